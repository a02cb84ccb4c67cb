// A gRPC caller's deadline (the grpc-timeout header) is honoured by the outbound proxy:
// past it the caller gets DEADLINE_EXCEEDED from the proxy (weft-proxy-error
// request-timeout) instead of waiting on a slow endpoint; where a route has a timeout of
// its own, the sooner of the two applies. Calls go through a CONNECT tunnel to a real
// HTTP/2 upstream on loopback; the route comes from the static config.
import http2, { type ClientHttp2Session, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { startTestProxy } from './core-harness.ts';
import { connectTunnel } from './tunnel-client.ts';

const AUTHORITY = 'echo.test:50051';
/** How long the upstream takes to answer a `Slow` method. */
const SLOW_MS = 3_000;
/** The route timeout of `/weft.Timed/`. */
const ROUTE_MS = 600;

let upstream: Http2Server;
let proxy: RunningProxy;
let session: ClientHttp2Session;

interface CallResult {
  grpcStatus: number;
  error: string | undefined;
  ms: number;
}

function call(path: string, timeout?: string): Promise<CallResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...(timeout !== undefined ? { 'grpc-timeout': timeout } : {}),
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
    req.on('end', () =>
      resolve({
        grpcStatus: Number(trailers['grpc-status'] ?? head['grpc-status'] ?? -1),
        error: head['weft-proxy-error'] as string | undefined,
        ms: performance.now() - t0,
      }),
    );
    req.on('error', () => resolve({ grpcStatus: -2, error: 'stream error', ms: performance.now() - t0 }));
    req.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

beforeAll(async () => {
  upstream = http2.createServer();
  upstream.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    stream.resume();
    const answer = (): void => {
      if (stream.destroyed) return;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    };
    setTimeout(answer, String(headers[':path']).endsWith('/Slow') ? SLOW_MS : 0);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  proxy = await startTestProxy({
    destinations: {
      [AUTHORITY]: {
        endpoints: [{ address: '127.0.0.1', port }],
        routes: [{ pathPrefix: '/weft.Timed/', timeoutMs: ROUTE_MS }, { pathPrefix: '/' }],
      },
    },
  });
  const tunnel = await connectTunnel(proxy.outbound.port, AUTHORITY);
  expect(tunnel.status).toBe(200);
  session = http2.connect(`http://${AUTHORITY}`, { createConnection: () => tunnel.socket });
  session.on('error', () => {});
  tunnel.socket.resume();
  expect((await call('/weft.Echo/Unary')).grpcStatus).toBe(0);
});

afterAll(async () => {
  session?.close();
  await proxy?.drain(500);
  await new Promise<void>((r) => upstream.close(() => r()));
});

describe("the gRPC caller's deadline", () => {
  it('answers DEADLINE_EXCEEDED at the grpc-timeout when no route sets a timeout', async () => {
    const r = await call('/weft.Echo/Slow', '200m');
    expect(r.grpcStatus).toBe(4);
    expect(r.error).toBe('request-timeout');
    expect(r.ms).toBeGreaterThanOrEqual(190);
    expect(r.ms).toBeLessThan(SLOW_MS - 300);
  });

  it('leaves a call without grpc-timeout (or with a later one) to the endpoint', async () => {
    const [none, later] = await Promise.all([call('/weft.Echo/Slow'), call('/weft.Echo/Slow', '30S')]);
    for (const r of [none, later]) {
      expect(r.grpcStatus).toBe(0);
      expect(r.error).toBeUndefined();
      expect(r.ms).toBeGreaterThanOrEqual(SLOW_MS - 10);
    }
  });

  it("keeps the caller's deadline when it is sooner than the route's timeout", async () => {
    const r = await call('/weft.Timed/Slow', '150m');
    expect(r.grpcStatus).toBe(4);
    expect(r.error).toBe('request-timeout');
    expect(r.ms).toBeGreaterThanOrEqual(140);
    expect(r.ms).toBeLessThan(ROUTE_MS - 100);
  });

  it("keeps the route's timeout when it is sooner than the caller's deadline", async () => {
    const r = await call('/weft.Timed/Slow', '10S');
    expect(r.grpcStatus).toBe(4);
    expect(r.error).toBe('request-timeout');
    expect(r.ms).toBeGreaterThanOrEqual(ROUTE_MS - 10);
    expect(r.ms).toBeLessThan(SLOW_MS - 300);
  });
});
