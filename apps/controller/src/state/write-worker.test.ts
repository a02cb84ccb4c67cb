import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WriteWorker } from './write-worker.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-write-worker-'));
const writer = new WriteWorker();
afterAll(() => writer.close());

describe('WriteWorker', () => {
  it('replaces the file with the new text, with its mode, and leaves no temporary file', async () => {
    const path = join(dir, 'state.json');
    await writer.write(path, `${path}.tmp`, 'first\n', 0o600);
    await writer.write(path, `${path}.tmp`, 'second\n', 0o600);
    expect(readFileSync(path, 'utf8')).toBe('second\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('does the writes in the order asked', async () => {
    const path = join(dir, 'ordered.json');
    await Promise.all([1, 2, 3, 4, 5].map((n) => writer.write(path, `${path}.tmp`, `${n}\n`, 0o644)));
    expect(readFileSync(path, 'utf8')).toBe('5\n');
  });

  it('rejects with the file system error, and goes on writing', async () => {
    const path = join(dir, 'missing', 'state.json');
    await expect(writer.write(path, `${path}.tmp`, 'x', 0o600)).rejects.toMatchObject({ code: 'ENOENT' });
    const ok = join(dir, 'after.json');
    await writer.write(ok, `${ok}.tmp`, 'after\n', 0o600);
    expect(readFileSync(ok, 'utf8')).toBe('after\n');
  });
});
