/**
 * Where a CA rotation in progress is kept, so a controller restart resumes it: the port
 * the rotation machine writes through, and its implementation in the state directory.
 *
 *   <stateDir>/identity/private/rotation.json   0600: phase, the new certificates and keys
 *   <stateDir>/identity/trust-anchor.pem        the anchors proxies trust (both, in the overlap)
 *
 * Finishing makes the new CA the CA: it marks the rotation `finishing` first, then writes
 * the CA files (keys before certificates), then drops the rotation file; a crash in between
 * is finished again by {@link FileRotationStore.load} before the CA is read.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RotationKind, RotationPhase } from '@weft/shared';
import { z } from 'zod';
import type { CaMaterial } from './ca.ts';
import { identityDir, TRUST_ANCHOR_FILE, writeAtomic } from './store.ts';
import { type CryptoKey, privateKeyFromPem, privateKeyToPem, x509 } from './x509.ts';

/** A rotation as persisted. */
export interface RotationRecord {
  kind: RotationKind;
  phase: RotationPhase;
  startedAt: string;
  updatedAt: string;
  /** The CA being replaced (its anchor stays trusted until the rotation finishes). */
  oldAnchor: x509.X509Certificate;
  /** The new issuer, its key, and its anchor (the old one for an issuer rotation). */
  next: CaMaterial;
}

/** The last finished rotation, remembered for the status. */
export interface FinishedRotation {
  kind: RotationKind;
  finishedAt: string;
}

/** What the rotation machine needs from storage (the port; tests use memory). */
export interface RotationStore {
  /** The rotation in progress, if any (a half-finished one is finished first). */
  load(): Promise<RotationRecord | undefined>;
  save(r: RotationRecord): Promise<void>;
  /** Publishes the anchors proxies read out of band. */
  publishAnchors(pem: string): Promise<void>;
  /** Makes `r.next` the CA for good and forgets the rotation. */
  commit(r: RotationRecord): Promise<void>;
  /** Forgets the rotation (cancelled). */
  clear(): Promise<void>;
  lastFinished(): Promise<FinishedRotation | undefined>;
}

const Persisted = z.object({
  kind: RotationKind,
  phase: RotationPhase,
  startedAt: z.string(),
  updatedAt: z.string(),
  finishing: z.boolean().optional(),
  oldAnchor: z.string(),
  anchor: z.string(),
  anchorKey: z.string().optional(),
  issuer: z.string(),
  issuerKey: z.string(),
});
type Persisted = z.infer<typeof Persisted>;

const Finished = z.object({ kind: RotationKind, finishedAt: z.string() });

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The rotation kept in `<stateDir>/identity/`. */
export class FileRotationStore implements RotationStore {
  readonly #dir: string;
  readonly #file: string;
  readonly #finished: string;

  constructor(stateDir: string) {
    this.#dir = identityDir(stateDir);
    this.#file = join(this.#dir, 'private', 'rotation.json');
    this.#finished = join(this.#dir, 'rotation-finished.json');
  }

  async load(): Promise<RotationRecord | undefined> {
    const text = await readIfExists(this.#file);
    if (text === undefined) return undefined;
    const parsed = Persisted.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new Error(
        `${this.#file} is not a rotation record (${parsed.error.issues[0]?.message}); restore it, or remove it to cancel the rotation`,
      );
    const record = await fromPersisted(parsed.data);
    if (parsed.data.finishing) {
      await this.commit(record);
      return undefined;
    }
    return record;
  }

  async save(r: RotationRecord): Promise<void> {
    await writeAtomic(this.#file, JSON.stringify(await toPersisted(r)), 0o600);
  }

  async publishAnchors(pem: string): Promise<void> {
    await writeAtomic(join(this.#dir, TRUST_ANCHOR_FILE), pem, 0o644);
  }

  async commit(r: RotationRecord): Promise<void> {
    const p = await toPersisted(r);
    await writeAtomic(this.#file, JSON.stringify({ ...p, finishing: true }), 0o600);
    const priv = join(this.#dir, 'private');
    await writeAtomic(join(priv, 'issuer-key.pem'), p.issuerKey, 0o600);
    if (p.anchorKey) await writeAtomic(join(priv, 'trust-anchor-key.pem'), p.anchorKey, 0o600);
    await writeAtomic(join(this.#dir, 'issuer.pem'), p.issuer, 0o644);
    await writeAtomic(join(this.#dir, TRUST_ANCHOR_FILE), p.anchor, 0o644);
    const finished: FinishedRotation = { kind: r.kind, finishedAt: new Date().toISOString() };
    await writeAtomic(this.#finished, JSON.stringify(finished), 0o644);
    await rm(this.#file, { force: true });
  }

  async clear(): Promise<void> {
    await rm(this.#file, { force: true });
  }

  async lastFinished(): Promise<FinishedRotation | undefined> {
    const text = await readIfExists(this.#finished);
    if (text === undefined) return undefined;
    const parsed = Finished.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  }
}

async function toPersisted(r: RotationRecord): Promise<Persisted> {
  return {
    kind: r.kind,
    phase: r.phase,
    startedAt: r.startedAt,
    updatedAt: r.updatedAt,
    oldAnchor: r.oldAnchor.toString('pem'),
    anchor: r.next.trustAnchor.toString('pem'),
    ...(r.next.trustAnchorKey ? { anchorKey: await privateKeyToPem(r.next.trustAnchorKey) } : {}),
    issuer: r.next.issuer.toString('pem'),
    issuerKey: await privateKeyToPem(r.next.issuerKey),
  };
}

async function fromPersisted(p: Persisted): Promise<RotationRecord> {
  const anchorKey: CryptoKey | undefined = p.anchorKey ? await privateKeyFromPem(p.anchorKey) : undefined;
  return {
    kind: p.kind,
    phase: p.phase,
    startedAt: p.startedAt,
    updatedAt: p.updatedAt,
    oldAnchor: new x509.X509Certificate(p.oldAnchor),
    next: {
      trustAnchor: new x509.X509Certificate(p.anchor),
      issuer: new x509.X509Certificate(p.issuer),
      issuerKey: await privateKeyFromPem(p.issuerKey),
      ...(anchorKey ? { trustAnchorKey: anchorKey } : {}),
    },
  };
}
