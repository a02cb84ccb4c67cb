// HTTP/2 prior knowledge (h2c) through the proxy, as an inbound listener would receive it
// from a meshed peer: many concurrent streams on one connection over one pooled endpoint
// session, trailers intact, flow control holding end to end (a client that stops reading
// stops the endpoint's writes), resets passed on, and the proxy's own error responses.
import http2, { type ClientHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { admin, parseProm, startTestProxy, sum } from './core-harness.ts';
import { connectTunnel } from './tunnel-client.ts';

const EMPTY = 'empty.test.svc.cluster.local:8080';
const BIG = 16 * 1024 * 1024;

let upstream: http2.Http2Server;
/** An endpoint that allows only 5 concurrent streams per connection. */
let limited: http2.Http2Server;
const limitedSeen = { maxPerSession: 0, streams: 0 };
let upstreamSessions = 0;
let proxy: RunningProxy;
/** The proxy's inbound listener, where a meshed peer's h2c arrives. */
let inboundPort: number;
/** The inbound listener in front of `limited`. */
let limitedPort: number;
/** State of the last `/big` response the endpoint wrote. */
const big = { written: 0, blocked: false, finished: false };

function onUpstreamStream(stream: ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const path = headers[':path'] ?? '';
  if (path === '/echo') {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      stream.respond({ ':status': 200, 'x-path': path }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-length': String(body.length) }));
      stream.end(body.toString().toUpperCase());
    });
    return;
  }
  if (path === '/count') {
    // Reads the request body slowly (paused between chunks), then answers with its length.
    let n = 0;
    stream.on('data', (c: Buffer) => {
      n += c.length;
      stream.pause();
      setTimeout(() => stream.resume(), 1);
    });
    stream.on('end', () => {
      stream.respond({ ':status': 200 });
      stream.end(String(n));
    });
    return;
  }
  if (path === '/big') {
    stream.respond({ ':status': 200 });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = (): void => {
      while (big.written < BIG) {
        big.written += chunk.length;
        if (!stream.write(chunk)) {
          big.blocked = true;
          stream.once('drain', () => {
            big.blocked = false;
            pump();
          });
          return;
        }
      }
      stream.end(() => {
        big.finished = true;
      });
    };
    pump();
    return;
  }
  if (path === '/crash') {
    // The endpoint's connection dies in the middle of a response.
    stream.on('error', () => {});
    stream.respond({ ':status': 200 });
    stream.write('partial');
    setTimeout(() => stream.session?.destroy(), 50);
    return;
  }
  stream.respond({ ':status': 404 });
  stream.end();
}

function connect(port: number): ClientHttp2Session {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  return session;
}

function request(
  session: ClientHttp2Session,
  path: string,
  body?: string,
): Promise<{
  status: number;
  body: string;
  trailers: http2.IncomingHttpHeaders | null;
  headers: http2.IncomingHttpHeaders;
}> {
  return new Promise((resolve, reject) => {
    const req = session.request(
      { ':method': body === undefined ? 'GET' : 'POST', ':path': path },
      { endStream: body === undefined },
    );
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | null = null;
    let data = '';
    req.setEncoding('utf8');
    req.on('response', (h) => {
      headers = h;
    });
    req.on('trailers', (t) => {
      trailers = t;
    });
    req.on('data', (d: string) => {
      data += d;
    });
    req.on('end', () => resolve({ status: Number(headers[':status']), body: data, trailers, headers }));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
  });
}

beforeAll(async () => {
  upstream = http2.createServer();
  upstream.on('session', () => upstreamSessions++);
  upstream.on('stream', onUpstreamStream);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as AddressInfo).port;
  limited = http2.createServer({ settings: { maxConcurrentStreams: 5 } });
  limited.on('session', (session) => {
    let open = 0;
    session.on('stream', (stream) => {
      open++;
      limitedSeen.streams++;
      limitedSeen.maxPerSession = Math.max(limitedSeen.maxPerSession, open);
      stream.on('close', () => open--);
      setTimeout(() => {
        stream.respond({ ':status': 200 });
        stream.end('ok');
      }, 10);
    });
  });
  await new Promise<void>((resolve) => limited.listen(0, '127.0.0.1', resolve));
  const limitedApp = (limited.address() as AddressInfo).port;
  proxy = await startTestProxy({
    inbound: {
      ports: [
        { public: 0, app: port },
        { public: 0, app: limitedApp },
      ],
    },
    destinations: { [EMPTY]: { endpoints: [] } },
  });
  inboundPort = (proxy.inbound[0] as { address: { port: number } }).address.port;
  limitedPort = (proxy.inbound[1] as { address: { port: number } }).address.port;
});

afterAll(async () => {
  await proxy?.drain(500);
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  await new Promise<void>((resolve) => limited.close(() => resolve()));
});

describe('HTTP/2 through the proxy', () => {
  it('carries 200 concurrent streams on one connection, with trailers, over one endpoint session', async () => {
    const session = connect(inboundPort);
    try {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => request(session, '/echo', `stream number ${i}`)),
      );
      results.forEach((r, i) => {
        expect(r.status).toBe(200);
        expect(r.headers['x-path']).toBe('/echo');
        expect(r.body).toBe(`STREAM NUMBER ${i}`);
        expect(r.trailers?.['x-length']).toBe(String(`stream number ${i}`.length));
      });
      expect(upstreamSessions).toBe(1);
      const samples = parseProm((await admin(proxy, '/metrics')).body);
      expect(sum(samples, 'request_total', { direction: 'inbound' })).toBe(200);
    } finally {
      session.close();
    }
  });

  it('streams a large request body to a slow reader intact, within flow control', async () => {
    const session = connect(inboundPort);
    try {
      const size = 4 * 1024 * 1024;
      const result = await new Promise<string>((resolve, reject) => {
        const req = session.request({ ':method': 'POST', ':path': '/count' });
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (d: string) => {
          body += d;
        });
        req.on('end', () => resolve(body));
        req.on('error', reject);
        const chunk = Buffer.alloc(64 * 1024, 0x62);
        let sent = 0;
        const pump = (): void => {
          while (sent < size) {
            sent += chunk.length;
            if (!req.write(chunk)) {
              req.once('drain', pump);
              return;
            }
          }
          req.end();
        };
        pump();
      });
      expect(Number(result)).toBe(size);
    } finally {
      session.close();
    }
  });

  it("keeps within the endpoint's concurrent-stream limit, queueing or opening sessions, with no refused stream", async () => {
    const session = connect(limitedPort);
    try {
      const results = await Promise.all(Array.from({ length: 60 }, () => request(session, '/limited')));
      expect(results.map((r) => r.status)).toEqual(Array(60).fill(200));
      expect(limitedSeen.streams).toBe(60);
      expect(limitedSeen.maxPerSession).toBeLessThanOrEqual(5);
    } finally {
      session.close();
    }
  });

  it('holds flow control end to end: a client that stops reading stops the endpoint', async () => {
    const session = connect(inboundPort);
    try {
      const req = session.request({ ':path': '/big' }, { endStream: true });
      req.pause();
      await new Promise((resolve) => req.once('response', resolve));
      // Wait until the endpoint cannot write any more and has been stuck for a while.
      let lastWritten = -1;
      await expect
        .poll(
          () => {
            const stuck = big.blocked && big.written === lastWritten;
            lastWritten = big.written;
            return stuck;
          },
          { timeout: 10_000, interval: 200 },
        )
        .toBe(true);
      // Only the windows and buffers along the path are in flight, far from the whole body.
      expect(big.finished).toBe(false);
      expect(big.written).toBeLessThan(BIG / 4);
      let received = 0;
      req.on('data', (c: Buffer) => {
        received += c.length;
      });
      await new Promise((resolve) => {
        req.on('end', resolve);
        req.resume();
      });
      expect(received).toBe(BIG);
      expect(big.finished).toBe(true);
    } finally {
      session.close();
    }
  });

  it('resets the client stream when the endpoint connection dies mid-response', async () => {
    const session = connect(inboundPort);
    try {
      const outcome = await new Promise<{ code: number | undefined; data: string }>((resolve) => {
        const req = session.request({ ':path': '/crash' }, { endStream: true });
        let data = '';
        req.setEncoding('utf8');
        req.on('data', (d: string) => {
          data += d;
        });
        req.on('error', () => {});
        req.on('close', () => resolve({ code: req.rstCode, data }));
      });
      expect(outcome.data).toBe('partial');
      expect(outcome.code).toBe(http2.constants.NGHTTP2_INTERNAL_ERROR);
    } finally {
      session.close();
    }
  });

  it('refuses a tunnel to an authority without endpoints before any h2 starts', async () => {
    const { socket, status, head } = await connectTunnel(proxy.outbound.port, EMPTY);
    socket.destroy();
    expect(status).toBe(503);
    // The reason is the resolver's (no-endpoints or unresolvable); the status and header are ours.
    expect(head).toMatch(/\r\nweft-proxy-error: [a-z-]+\r\n/);
  });
});
