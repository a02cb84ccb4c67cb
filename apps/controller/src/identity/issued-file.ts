/**
 * Keeps the per-pod certificate records (`identity.certificates`) across controller
 * restarts in `<identityDir>/issued.json`, so the workload page still shows each pod's
 * certificate until its proxy renews. Writes are batched (at most one per second),
 * atomic and fsync'd; unreadable or expired records are dropped on load.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IssuedCertificate } from '@weft/shared';
import { z } from 'zod';
import { writeAtomic } from './store.ts';

/** Where the service loads its records from and saves them to. */
export interface IssuedRecords {
  load(): IssuedCertificate[];
  save(records: IssuedCertificate[]): void;
}

const WRITE_DELAY_MS = 1000;

/** Records in `<dir>/issued.json`. */
export function issuedFile(dir: string, onError: (message: string) => void = () => {}): IssuedRecords {
  const path = join(dir, 'issued.json');
  let pending: IssuedCertificate[] | null = null;
  let timer: NodeJS.Timeout | null = null;
  const flush = async () => {
    timer = null;
    const records = pending;
    pending = null;
    if (records === null) return;
    try {
      await writeAtomic(path, JSON.stringify(records), 0o644);
    } catch (err) {
      onError(`cannot save ${path}: ${(err as Error).message}`);
    }
  };
  return {
    load() {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(path, 'utf8'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          onError(`ignoring ${path}: ${(err as Error).message}`);
        return [];
      }
      const parsed = z.array(IssuedCertificate).safeParse(json);
      if (!parsed.success) {
        onError(`ignoring ${path}: ${parsed.error.issues[0]?.message ?? 'malformed'}`);
        return [];
      }
      const now = Date.now();
      return parsed.data.filter((r) => Date.parse(r.notAfter) > now);
    },
    save(records) {
      pending = records;
      if (timer === null) {
        timer = setTimeout(() => void flush(), WRITE_DELAY_MS);
        timer.unref();
      }
    },
  };
}
