/**
 * The admin server's doors: `/shutdown` from another loopback address (another pod on
 * the machine) is refused, and so is any request a web page makes (it carries an
 * Origin); the pod's own address, or the shutdown token, may stop the proxy.
 */
import { request } from 'node:http';
import type { Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startAdmin } from './server.ts';

const POD = '127.0.0.5';
const OTHER_POD = '127.0.0.77';
const TOKEN = 'a-shutdown-token-of-some-length';

let server: Server | undefined;
let shutdowns = 0;

async function start(token?: string) {
  shutdowns = 0;
  const admin = await startAdmin(
    { host: POD, port: 0 },
    {
      metrics: async () => '# nothing\n',
      ready: () => true,
      shutdown: () => {
        shutdowns += 1;
      },
      ...(token ? { shutdownToken: token } : {}),
    },
  );
  server = admin.server;
  return admin.address.port;
}

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

function send(
  port: number,
  opts: { path: string; method?: string; from?: string; headers?: Record<string, string> },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: POD,
        port,
        path: opts.path,
        method: opts.method ?? 'GET',
        localAddress: opts.from ?? POD,
        headers: opts.headers ?? {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.method === 'POST' ? 'x' : undefined);
  });
}

describe('proxy admin server', () => {
  it('refuses /shutdown from another pod’s address, naming the reason', async () => {
    const port = await start();
    const r = await send(port, { path: '/shutdown', method: 'POST', from: OTHER_POD });
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/only from the pod's own address \(127\.0\.0\.5\), not 127\.0\.0\.77/);
    expect(shutdowns).toBe(0);
  });

  it('refuses any request carrying an Origin, even from the pod’s own address', async () => {
    const port = await start();
    const post = await send(port, {
      path: '/shutdown',
      method: 'POST',
      headers: { origin: 'http://attacker.example', 'content-type': 'text/plain' },
    });
    expect(post.status).toBe(403);
    expect(post.body).toMatch(/with an Origin/);
    const metrics = await send(port, { path: '/metrics', headers: { origin: 'http://attacker.example' } });
    expect(metrics.status).toBe(403);
    expect(shutdowns).toBe(0);
  });

  it('accepts /shutdown from the pod’s own address, and keeps /metrics, /ready, /live open', async () => {
    const port = await start();
    expect((await send(port, { path: '/metrics', from: OTHER_POD })).status).toBe(200);
    expect((await send(port, { path: '/ready', from: OTHER_POD })).status).toBe(200);
    expect((await send(port, { path: '/live', from: OTHER_POD })).status).toBe(200);
    const r = await send(port, { path: '/shutdown', method: 'POST' });
    expect(r.status).toBe(202);
    expect(shutdowns).toBe(1);
  });

  it('accepts /shutdown from elsewhere with the token, and refuses a wrong one', async () => {
    const port = await start(TOKEN);
    const wrong = await send(port, {
      path: '/shutdown',
      method: 'POST',
      from: OTHER_POD,
      headers: { authorization: 'Bearer not-the-token' },
    });
    expect(wrong.status).toBe(403);
    expect(shutdowns).toBe(0);
    const right = await send(port, {
      path: '/shutdown',
      method: 'POST',
      from: OTHER_POD,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(right.status).toBe(202);
    expect(shutdowns).toBe(1);
  });
});
