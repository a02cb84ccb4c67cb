// Traffic policy on HTTP/2 and gRPC: the same pipeline as HTTP/1. gRPC calls go through
// a CONNECT tunnel to the outbound proxy (as grpc-js does with an explicit proxy) to real
// HTTP/2 upstreams on loopback; policies come from the fake controller's policy.watch.
import http2, { type ClientHttp2Session, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { startTestProxy } from './core-harness.ts';
import { ep, FakeController } from './fake-controller.ts';
import { backend, outboundPolicy, policyRevision, waitFor } from './policy-harness.ts';
import { connectTunnel } from './tunnel-client.ts';

const AUTHORITY = 'echo.test:50051';
const fake = new FakeController();
const servers: Http2Server[] = [];
let proxy: RunningProxy;
let session: ClientHttp2Session;
/** Calls to the flaky method, counting each attempt the upstream saw. */
let flakyAttempts = 0;
/** Calls to the slow method its upstream saw closed before it answered (given up by the proxy). */
let slowGivenUp = 0;

/** A gRPC-shaped HTTP/2 upstream named `name`. */
async function startH2(name: string): Promise<number> {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const path = String(headers[':path']);
    stream.resume();
    let answered = false;
    stream.on('close', () => {
      if (!answered && path === '/weft.Echo/Slow') slowGivenUp++;
    });
    const answer = () => {
      if (stream.destroyed) return;
      answered = true;
      if (path === '/weft.Echo/Flaky') {
        flakyAttempts++;
        if (Math.random() < 0.3) {
          stream.respond(
            { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14' },
            { endStream: true },
          );
          return;
        }
      }
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'x-server': name },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    };
    if (path === '/weft.Echo/Slow') setTimeout(answer, 1000);
    else stream.on('end', answer);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

interface CallResult {
  grpcStatus: number;
  server: string | undefined;
  error: string | undefined;
}

/** One unary-shaped gRPC call over the tunnel's HTTP/2 session. */
function call(path: string, headers: Record<string, string> = {}): Promise<CallResult> {
  return new Promise((resolve) => {
    const req = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    let head: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    req.on('response', (h) => {
      head = h;
    });
    req.on('trailers', (t) => {
      trailers = t;
    });
    req.on('data', () => {});
    const done = () =>
      resolve({
        grpcStatus: Number(trailers['grpc-status'] ?? head['grpc-status'] ?? -1),
        server: head['x-server'] as string | undefined,
        error: head['weft-proxy-error'] as string | undefined,
      });
    req.on('end', done);
    req.on('error', () => resolve({ grpcStatus: -2, server: undefined, error: 'stream error' }));
    req.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

async function calls(n: number, path: string, headers: Record<string, string> = {}): Promise<CallResult[]> {
  const out: CallResult[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, () => call(path, headers));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

async function apply(policy: Parameters<FakeController['setPolicy']>[0]): Promise<void> {
  fake.setPolicy(policy);
  await waitFor(async () => ((await policyRevision(proxy)) ?? -1) >= policy.revision, 5000, 'the revision');
}

beforeAll(async () => {
  await fake.start();
  const a = await startH2('a');
  const b = await startH2('b');
  fake.set(AUTHORITY, [ep(a, 'echo')]);
  fake.set('echo-b.test:50051', [ep(b, 'echo-b')]);
  proxy = await startTestProxy(
    {},
    { WEFT_PROXY_CONTROLLER_URL: fake.url },
    { retryBudget: { ratio: 0.5, minPerSecond: 10, ttlSeconds: 10 }, backoffMinMs: 50, backoffMaxMs: 200 },
  );
  const tunnel = await connectTunnel(proxy.outbound.port, AUTHORITY);
  expect(tunnel.status).toBe(200);
  session = http2.connect(`http://${AUTHORITY}`, { createConnection: () => tunnel.socket });
  session.on('error', () => {});
  tunnel.socket.resume();
  // the tunnel resolved the authority: its policy stream is open
  expect((await call('/weft.Echo/Unary')).grpcStatus).toBe(0);
});

afterAll(async () => {
  session?.close();
  await proxy?.drain(500);
  await fake.stop();
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
});

const echoB = backend('echo-b.test:50051', 1);
const echoA = backend(AUTHORITY, 1);

describe('gRPC through the pipeline', () => {
  it('holds a 90/10 split within ±3 points over 2,000 calls', async () => {
    await apply(
      outboundPolicy(
        AUTHORITY,
        [
          {
            backends: [
              { ...echoA, weight: 90 },
              { ...echoB, weight: 10 },
            ],
          },
        ],
        1,
      ),
    );
    const results = await calls(2000, '/weft.Echo/Unary');
    expect(results.filter((r) => r.grpcStatus !== 0)).toEqual([]);
    const b = results.filter((r) => r.server === 'b').length / results.length;
    expect(b).toBeGreaterThanOrEqual(0.07);
    expect(b).toBeLessThanOrEqual(0.13);
  });

  it('sends calls whose metadata matches to the matching backend', async () => {
    await apply(
      outboundPolicy(
        AUTHORITY,
        [
          {
            matches: [{ headers: [{ name: 'x-canary', type: 'Exact', value: 'yes' }], queryParams: [] }],
            backends: [echoB],
          },
          { backends: [echoA] },
        ],
        2,
      ),
    );
    const canary = await calls(20, '/weft.Echo/Unary', { 'x-canary': 'yes' });
    const plain = await calls(20, '/weft.Echo/Unary');
    expect(canary.map((r) => r.server)).toEqual(Array(20).fill('b'));
    expect(plain.map((r) => r.server)).toEqual(Array(20).fill('a'));
  });

  it('answers DEADLINE_EXCEEDED at a GRPCRoute method timeout, before the method answers', async () => {
    await apply(
      outboundPolicy(
        AUTHORITY,
        [
          {
            matches: [
              { grpc: { type: 'Exact', service: 'weft.Echo', method: 'Slow' }, headers: [], queryParams: [] },
            ],
            timeouts: { requestMs: 200 },
          },
          {},
        ],
        3,
        { protocol: 'grpc' },
      ),
    );
    const t0 = performance.now();
    const r = await call('/weft.Echo/Slow');
    const elapsed = performance.now() - t0;
    expect(r.grpcStatus).toBe(4);
    expect(r.error).toBe('request-timeout');
    // the method timeout was waited for, and the proxy gave the call up before the method
    // answered it (at 1 s): the upstream saw its stream closed, unanswered
    expect(elapsed).toBeGreaterThanOrEqual(195);
    await expect.poll(() => slowGivenUp, { timeout: 5000 }).toBe(1);
    expect((await call('/weft.Echo/Unary')).grpcStatus).toBe(0);
  });

  it('retries UNAVAILABLE: a method failing 30% of calls succeeds at least 99% of the time', async () => {
    await apply(
      outboundPolicy(AUTHORITY, [{ retry: { httpStatuses: [], grpcCodes: [14], limit: 4 } }], 4, {
        protocol: 'grpc',
      }),
    );
    flakyAttempts = 0;
    const results = await calls(600, '/weft.Echo/Flaky');
    const ok = results.filter((r) => r.grpcStatus === 0).length;
    expect(ok / 600).toBeGreaterThanOrEqual(0.99);
    expect(flakyAttempts).toBeGreaterThan(700); // retries were really sent
  });
});
