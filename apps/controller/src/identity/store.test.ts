import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateCa } from './ca.ts';
import { loadOrCreateCa, loadOrCreateTokens, writeAtomic } from './store.ts';
import { privateKeyToPem } from './x509.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-identity-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadOrCreateCa', () => {
  it('generates a CA on first start with owner-only key files, and loads the same one after', async () => {
    const first = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
    expect(first.source).toBe('generated');
    expect((await stat(join(dir, 'identity')).then((s) => s.mode)) & 0o777).toBe(0o755);
    expect((await stat(join(dir, 'identity', 'trust-anchor.pem'))).mode & 0o777).toBe(0o644);
    for (const f of ['private/issuer-key.pem', 'private/trust-anchor-key.pem', 'private']) {
      const mode = (await stat(join(dir, 'identity', f))).mode & 0o777;
      expect(mode, f).toBe(f === 'private' ? 0o700 : 0o600);
    }
    const second = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
    expect(second.ca.trustAnchor.serialNumber).toBe(first.ca.trustAnchor.serialNumber);
    expect(second.ca.issuer.serialNumber).toBe(first.ca.issuer.serialNumber);
    expect(await readFile(join(dir, 'identity', 'trust-anchor.pem'), 'utf8')).toBe(
      first.ca.trustAnchor.toString('pem'),
    );
  });

  it('refuses a half-present CA instead of replacing the trust anchor', async () => {
    await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
    await rm(join(dir, 'identity', 'private', 'issuer-key.pem'));
    await expect(loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' })).rejects.toThrow(
      /only part of a CA/,
    );
  });

  it('loads a CA the user supplies and publishes its anchor for proxies', async () => {
    const ca = await generateCa({ trustDomain: 'example.org' });
    const files = {
      trustAnchor: join(dir, 'ca.crt'),
      issuerCert: join(dir, 'issuer.crt'),
      issuerKey: join(dir, 'issuer.key'),
    };
    await writeFile(files.trustAnchor, ca.trustAnchor.toString('pem'));
    await writeFile(files.issuerCert, ca.issuer.toString('pem'));
    await writeFile(files.issuerKey, await privateKeyToPem(ca.issuerKey));
    const state = join(dir, 'state');
    const loaded = await loadOrCreateCa({ stateDir: state, trustDomain: 'example.org', supplied: files });
    expect(loaded.source).toBe('supplied');
    expect(loaded.ca.issuer.serialNumber).toBe(ca.issuer.serialNumber);
    expect(await readFile(join(state, 'identity', 'trust-anchor.pem'), 'utf8')).toBe(
      ca.trustAnchor.toString('pem'),
    );
  });

  it('refuses supplied files that do not fit together, naming the problem', async () => {
    const a = await generateCa({ trustDomain: 'example.org' });
    const b = await generateCa({ trustDomain: 'example.org' });
    const files = {
      trustAnchor: join(dir, 'ca.crt'),
      issuerCert: join(dir, 'issuer.crt'),
      issuerKey: join(dir, 'issuer.key'),
    };
    await writeFile(files.trustAnchor, a.trustAnchor.toString('pem'));
    await writeFile(files.issuerCert, b.issuer.toString('pem'));
    await writeFile(files.issuerKey, await privateKeyToPem(b.issuerKey));
    await expect(
      loadOrCreateCa({ stateDir: dir, trustDomain: 'example.org', supplied: files }),
    ).rejects.toThrow(/issuer .* is not signed by the trust anchor/);
    await writeFile(files.issuerKey, 'not a key');
    await expect(
      loadOrCreateCa({ stateDir: dir, trustDomain: 'example.org', supplied: files }),
    ).rejects.toThrow(/issuer key .* is not a PKCS#8/);
  });
});

describe('loadOrCreateTokens', () => {
  it('keeps the same secret across restarts, in an owner-only file', async () => {
    const a = await loadOrCreateTokens(dir);
    const t = a.issue({ namespace: 'demo', serviceAccount: 'web' });
    const b = await loadOrCreateTokens(dir);
    expect((await b.validate(t)).serviceAccount).toBe('web');
    expect((await stat(join(dir, 'identity', 'private', 'token-secret'))).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['empty', ''],
    ['corrupt', 'not base64 at all!'],
    ['too short', Buffer.alloc(8).toString('base64')],
  ])('stops start-up on an %s secret instead of replacing it', async (_what, text) => {
    await loadOrCreateTokens(dir);
    const file = join(dir, 'identity', 'private', 'token-secret');
    await writeFile(file, text);
    await expect(loadOrCreateTokens(dir)).rejects.toThrow(/token-secret is empty or corrupt; restore it/);
    expect(await readFile(file, 'utf8')).toBe(text);
  });
});

describe('writeAtomic', () => {
  it('serializes saves of the same file: all succeed, the last one wins, no temporary file is left', async () => {
    const path = join(dir, 'issued.json');
    const saves = Array.from({ length: 20 }, (_, i) => writeAtomic(path, JSON.stringify({ save: i }), 0o644));
    const results = await Promise.allSettled(saves);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ save: 19 });
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a failed save does not stop the next one', async () => {
    const missing = join(dir, 'no-such-dir', 'file.json');
    const first = writeAtomic(missing, 'x', 0o644);
    const path = join(dir, 'ok.json');
    await expect(first).rejects.toThrow(/ENOENT/);
    await writeAtomic(path, 'y', 0o644);
    expect(await readFile(path, 'utf8')).toBe('y');
  });
});
