/**
 * The proxy's token from a file, as kubelet projects a service-account token: read at
 * start, re-read on schedule so a rotated token is picked up, a vanished or empty file
 * keeps the token held, and a bad file at start is refused with the file named.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { identityOptionsFromEnv } from './config.ts';
import { FileWorkloadToken, jwtExpiryMs } from './token-file.ts';

/** A JWT shaped as the API server's (the signature is not checked by the proxy). */
function jwt(sub: string, expSeconds: number): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part({ aud: ['weft'], sub, exp: expSeconds })}.sig`;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tokenDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'weft-token-'));
  dirs.push(d);
  return d;
}

/** Waits until `check` holds, at most `ms`. */
async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('FileWorkloadToken', () => {
  it('reads the expiry of a JWT in ms, and nothing from a malformed one', () => {
    expect(jwtExpiryMs(jwt('a', 1_700_000_000))).toBe(1_700_000_000_000);
    expect(jwtExpiryMs('garbage')).toBeUndefined();
  });

  it('sends the token in the file, and the rotated one once kubelet rewrites it', async () => {
    const file = join(tokenDir(), 'weft-identity-token');
    const first = jwt('system:serviceaccount:demo:web', Math.floor(Date.now() / 1000) + 3600);
    writeFileSync(file, `${first}\n`);
    const lines: string[] = [];
    const t = await FileWorkloadToken.load(file, { maxWaitMs: 50, minWaitMs: 10, log: (l) => lines.push(l) });
    expect(t.authorization()).toBe(`Bearer ${first}`);
    t.start();
    try {
      const second = jwt('system:serviceaccount:demo:web', Math.floor(Date.now() / 1000) + 7200);
      writeFileSync(file, second);
      await until(() => t.current() === second, 2000);
      expect(t.authorization()).toBe(`Bearer ${second}`);
      expect(lines.some((l) => l.includes('re-read'))).toBe(true);
    } finally {
      t.stop();
    }
  });

  it('keeps the token held while the file is missing or empty, and takes the next one', async () => {
    const file = join(tokenDir(), 'token');
    writeFileSync(file, 'tok-1');
    const t = await FileWorkloadToken.load(file, { maxWaitMs: 20, minWaitMs: 10 });
    rmSync(file);
    expect(await t.reloadNow()).toBe(false);
    expect(t.current()).toBe('tok-1');
    writeFileSync(file, '  \n');
    expect(await t.reloadNow()).toBe(false);
    expect(t.current()).toBe('tok-1');
    writeFileSync(file, 'tok-2\n');
    expect(await t.reloadNow()).toBe(true);
    expect(t.current()).toBe('tok-2');
    t.stop();
  });

  it('refuses a missing or empty file at start, naming it', async () => {
    const dir = tokenDir();
    await expect(FileWorkloadToken.load(join(dir, 'nope'))).rejects.toThrow(/nope: ENOENT/);
    writeFileSync(join(dir, 'empty'), '');
    await expect(FileWorkloadToken.load(join(dir, 'empty'))).rejects.toThrow(/empty: is empty/);
  });

  it('turns identity on with a token file and no token in the environment', async () => {
    const file = join(tokenDir(), 'token');
    writeFileSync(file, 'projected');
    const r = await identityOptionsFromEnv({
      controllerUrl: 'http://127.0.0.1:1',
      identityToken: undefined,
      identityTokenFile: file,
      identityDir: undefined,
      namespace: 'demo',
      serviceAccount: 'web',
    });
    expect('options' in r && r.options.token).toBe('projected');
  });
});
