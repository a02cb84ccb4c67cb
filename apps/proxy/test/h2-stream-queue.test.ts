// HTTP/2 streams waiting for a pooled endpoint session are bounded: with every session to
// the endpoint full, at most `maxQueuedStreams` wait (the next is answered 503
// stream-queue-full at once), and none waits past `queueTimeoutMs` (503
// stream-queue-timeout); once the endpoint has room again, streams are served as before.
import http2, { type ClientHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { MAX_SESSIONS_PER_ENDPOINT } from '../src/h2/session-pool.ts';
import { startTestProxy } from './core-harness.ts';

/** Sessions the pool opens per endpoint at most; each holds one stream here. */
const SESSIONS = MAX_SESSIONS_PER_ENDPOINT;
const MAX_QUEUED = 4;
const QUEUE_TIMEOUT_MS = 1_500;

let upstream: http2.Http2Server;
let proxy: RunningProxy;
let port: number;
/** Streams the endpoint holds open until the test lets them go. */
const held: ServerHttp2Stream[] = [];

interface Answer {
  status: number;
  error: string | undefined;
  body: string;
  ms: number;
}

function request(session: ClientHttp2Session, path: string): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path }, { endStream: true });
    let headers: http2.IncomingHttpHeaders = {};
    let body = '';
    req.setEncoding('utf8');
    req.on('response', (h) => {
      headers = h;
    });
    req.on('data', (d: string) => {
      body += d;
    });
    req.on('end', () =>
      resolve({
        status: Number(headers[':status']),
        error: headers['weft-proxy-error'] as string | undefined,
        body,
        ms: performance.now() - t0,
      }),
    );
    req.on('error', reject);
  });
}

/**
 * Occupies every session the pool may open to the endpoint with a held stream, one at a
 * time (a burst would itself queue while the sessions connect, and meet the cap).
 */
async function fillSessions(session: ClientHttp2Session): Promise<Promise<Answer>[]> {
  const holding: Promise<Answer>[] = [];
  for (let i = 1; i <= SESSIONS; i++) {
    holding.push(request(session, '/hold'));
    await expect.poll(() => held.length, { timeout: 10_000, interval: 10 }).toBe(i);
  }
  return holding;
}

function release(): void {
  for (const s of held.splice(0)) {
    if (s.destroyed) continue;
    s.respond({ ':status': 200 });
    s.end('released');
  }
}

beforeAll(async () => {
  // One stream per connection: the pool fills its 16 sessions with 16 streams.
  upstream = http2.createServer({ settings: { maxConcurrentStreams: 1 } });
  upstream.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    if (headers[':path'] === '/hold') {
      held.push(stream);
      return;
    }
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const app = (upstream.address() as AddressInfo).port;
  proxy = await startTestProxy({
    inbound: { ports: [{ public: 0, app }] },
    http2: { maxQueuedStreams: MAX_QUEUED, queueTimeoutMs: QUEUE_TIMEOUT_MS },
  });
  port = (proxy.inbound[0] as { address: { port: number } }).address.port;
});

afterAll(async () => {
  release();
  await proxy?.drain(500);
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

describe('HTTP/2 streams waiting for an endpoint session', () => {
  it('are capped per endpoint and answered 503 past the cap or the deadline, not held', async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    try {
      // Every session the pool may open to the endpoint is busy with a held stream.
      const holding = await fillSessions(session);

      const queued = Array.from({ length: MAX_QUEUED }, () => request(session, '/queued'));
      // Let the queued streams reach the pool before the one too many.
      await new Promise((r) => setTimeout(r, 200));
      const refused = await request(session, '/one-too-many');
      expect(refused.status).toBe(503);
      expect(refused.error).toBe('stream-queue-full');
      expect(refused.ms).toBeLessThan(QUEUE_TIMEOUT_MS);

      // The queued ones are answered at their deadline, not held until a slot frees.
      const waited = await Promise.all(queued);
      for (const a of waited) {
        expect(a.status).toBe(503);
        expect(a.error).toBe('stream-queue-timeout');
        expect(a.body).toBe('weft proxy: stream-queue-timeout\n');
        expect(a.ms).toBeGreaterThanOrEqual(QUEUE_TIMEOUT_MS - 300);
        expect(a.ms).toBeLessThan(QUEUE_TIMEOUT_MS + 5_000);
      }

      // Once the endpoint has room again, streams go through.
      release();
      for (const a of await Promise.all(holding)) expect(a.status).toBe(200);
      const after = await Promise.all(Array.from({ length: 20 }, () => request(session, '/ok')));
      expect(after.map((a) => a.status)).toEqual(Array(20).fill(200));
    } finally {
      session.close();
    }
  });

  it('gives the place of a stream its client reset to the next one', async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    try {
      const holding = await fillSessions(session);
      // Fill the queue with streams the client then resets.
      for (let i = 0; i < MAX_QUEUED; i++) {
        const req = session.request({ ':path': '/queued' }, { endStream: true });
        req.on('error', () => {});
        setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), 100);
      }
      await new Promise((r) => setTimeout(r, 400));
      // Their places are free: these wait (and are served once the endpoint has room).
      const next = Array.from({ length: MAX_QUEUED }, () => request(session, '/next'));
      await new Promise((r) => setTimeout(r, 200));
      release();
      for (const a of await Promise.all(next)) expect(a.status).toBe(200);
      for (const a of await Promise.all(holding)) expect(a.status).toBe(200);
    } finally {
      session.close();
    }
  });
});
