/**
 * A real proxy process given its token as a file, as kubelet projects a service-account
 * token: its calls to the controller (a recording stand-in on loopback that refuses
 * them, so the proxy keeps asking) carry the token in the file, and the rotated token
 * once the file is rewritten, without a restart.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProxyProcess, startProxyProcess } from './proxy-process.ts';

/** A JWT shaped as the API server's projected token, expiring in `seconds`. */
function jwt(sub: string, seconds: number): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part({ aud: ['weft'], sub, exp: Math.floor(Date.now() / 1000) + seconds })}.sig`;
}

let dir: string;
let controller: Server;
let proxy: ProxyProcess | undefined;
/** `Authorization` headers of each `identity.certify` call, in order. */
const certifyAuth: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-token-file-'));
  controller = createServer((req, res) => {
    if (req.url?.startsWith('/trpc/identity.certify')) certifyAuth.push(req.headers.authorization ?? '');
    req.resume();
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'not now' } }));
  });
  await new Promise<void>((r) => controller.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await proxy?.stop();
  await new Promise<void>((r) => controller.close(() => r()));
  controller.closeAllConnections();
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('proxy with WEFT_PROXY_IDENTITY_TOKEN_FILE', () => {
  it('proves its workload with the token in the file, then with the rotated one', async () => {
    const file = join(dir, 'weft-identity-token');
    // Short-lived, so the proxy re-reads the file within about a second.
    const first = jwt('system:serviceaccount:demo:web', 2);
    writeFileSync(file, first);
    const port = (controller.address() as AddressInfo).port;
    proxy = await startProxyProcess(
      [1],
      {},
      {
        WEFT_PROXY_CONTROLLER_URL: `http://127.0.0.1:${port}`,
        WEFT_PROXY_IDENTITY_TOKEN_FILE: file,
        WEFT_PROXY_NAMESPACE: 'demo',
        WEFT_PROXY_SERVICE_ACCOUNT: 'web',
        WEFT_PROXY_WORKLOAD: 'web',
      },
    );
    await until(() => certifyAuth.length > 0, 10_000, 'a certify call');
    expect(certifyAuth[0]).toBe(`Bearer ${first}`);
    const second = jwt('system:serviceaccount:demo:web', 3600);
    writeFileSync(file, second);
    await until(() => certifyAuth.includes(`Bearer ${second}`), 15_000, 'a call with the rotated token');
    expect(proxy.stderr()).toContain('workload token re-read');
  }, 30_000);
});
