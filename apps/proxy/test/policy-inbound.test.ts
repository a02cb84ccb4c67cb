// The inbound side's policy: an HTTPLocalRateLimitPolicy for one of the proxy's ports,
// streamed on policy.watch for (namespace, workload, port), holds its rate within ±10%
// and answers the excess with 429, Retry-After and `weft-proxy-error: rate-limited`.
import http from 'node:http';
import http2 from 'node:http2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { sleep, startTestProxy, startUpstream, type Upstream } from './core-harness.ts';
import { FakeController } from './fake-controller.ts';
import { policyRevision, waitFor } from './policy-harness.ts';

const fake = new FakeController();
let app: Upstream;
let proxy: RunningProxy;

beforeAll(async () => {
  await fake.start();
  app = await startUpstream((_req, res) => res.end('app'));
  proxy = await startTestProxy(
    { inbound: { ports: [{ public: 0, app: app.port }] } },
    { WEFT_PROXY_CONTROLLER_URL: fake.url, WEFT_PROXY_WORKLOAD: 'api' },
    { backoffMinMs: 50, backoffMaxMs: 200 },
  );
});

afterAll(async () => {
  await proxy?.drain(500);
  await fake.stop();
  await app?.close();
});

function get(
  port: number,
  agent: http.Agent,
): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', () => resolve({ status: 0, headers: {} }));
  });
}

it('holds an inbound rate limit within ±10% and answers the excess with 429 and Retry-After', async () => {
  const rps = 20;
  fake.setInbound({
    revision: 1,
    workload: { namespace: 'test', name: 'api' },
    port: app.port,
    rateLimit: {
      source: { kind: 'HTTPLocalRateLimitPolicy', namespace: 'test', name: 'api' },
      totalRps: rps,
      overrides: [],
    },
  });
  await waitFor(async () => (await policyRevision(proxy)) === 1, 5000, 'revision 1');
  const port = (proxy.inbound[0] as { address: { port: number } }).address.port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const pending: ReturnType<typeof get>[] = [];
  const start = performance.now();
  // 60 requests/s for 4 s, three times the limit, sent on schedule
  while (performance.now() - start < 4000) {
    pending.push(get(port, agent), get(port, agent), get(port, agent));
    await sleep(50);
  }
  const elapsedS = (performance.now() - start) / 1000;
  const replies = await Promise.all(pending);
  agent.destroy();
  const admitted = replies.filter((r) => r.status === 200).length;
  const limited = replies.filter((r) => r.status === 429);
  expect(admitted + limited.length).toBe(replies.length);
  // a full bucket (one second's worth) to start with, then the rate
  const expected = rps + rps * elapsedS;
  expect(Math.abs(admitted - expected) / expected).toBeLessThanOrEqual(0.1);
  expect(limited.length).toBeGreaterThan(0);
  for (const r of limited) {
    expect(r.headers['weft-proxy-error']).toBe('rate-limited');
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  }
});

it('answers HTTP/2 callers beyond the limit with 429 and Retry-After, gRPC callers with RESOURCE_EXHAUSTED', async () => {
  // a limit of 2 requests/s (a bucket of 2, refilled at 2/s): of 40 requests sent at once, nearly all are refused
  fake.setInbound({
    revision: 2,
    workload: { namespace: 'test', name: 'api' },
    port: app.port,
    rateLimit: {
      source: { kind: 'HTTPLocalRateLimitPolicy', namespace: 'test', name: 'api' },
      totalRps: 2,
      overrides: [],
    },
  });
  await waitFor(async () => (await policyRevision(proxy)) === 2, 5000, 'revision 2');
  const port = (proxy.inbound[0] as { address: { port: number } }).address.port;
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const ask = (grpc: boolean) =>
    new Promise<http2.IncomingHttpHeaders>((resolve) => {
      const req = session.request(
        grpc
          ? {
              ':method': 'POST',
              ':path': '/pkg.Svc/Call',
              'content-type': 'application/grpc',
              te: 'trailers',
            }
          : { ':path': '/' },
      );
      req.on('response', (h) => resolve(h));
      req.on('error', () => resolve({}));
      req.resume();
      req.end();
    });
  const plain = await Promise.all(Array.from({ length: 20 }, () => ask(false)));
  const grpc = await Promise.all(Array.from({ length: 20 }, () => ask(true)));
  session.close();
  const limited = plain.filter((h) => Number(h[':status']) === 429);
  expect(limited.length).toBeGreaterThanOrEqual(15);
  for (const h of limited) {
    expect(h['weft-proxy-error']).toBe('rate-limited');
    expect(Number(h['retry-after'])).toBeGreaterThanOrEqual(1);
  }
  const exhausted = grpc.filter((h) => h['grpc-status'] === '8');
  expect(exhausted.length).toBeGreaterThanOrEqual(15);
  expect(exhausted.every((h) => h['weft-proxy-error'] === 'rate-limited')).toBe(true);
});
