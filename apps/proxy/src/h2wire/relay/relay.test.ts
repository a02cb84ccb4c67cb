/**
 * The h2wire relay between a node:http2 client and a node:http2 server: what each side
 * sends arrives whole on the other (headers, bodies larger than every flow-control window,
 * trailers both ways), many streams at once, and resets travel across.
 */
import http2 from 'node:http2';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HpackEncoder } from '../hpack-encoder.ts';
import { DownConn, UpstreamPool } from './conns.ts';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function listen(server: net.Server | http2.Http2Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

/** An upstream that echoes each request body back, with its headers and trailers reflected. */
async function echoUpstream(): Promise<number> {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    if (headers[':path'] === '/hang') return; // never answers: the client resets
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    let trailer = '';
    stream.on('trailers', (t) => {
      trailer = String(t['x-request-trailer']);
    });
    stream.on('end', () => {
      stream.respond(
        { ':status': 200, 'x-path': String(headers[':path']), 'x-trailer-seen': trailer },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () =>
        stream.sendTrailers({ 'grpc-status': '0', 'x-length': String(Buffer.concat(chunks).length) }),
      );
      stream.end(Buffer.concat(chunks));
    });
  });
  return listen(server);
}

async function relay(upstreamPort: number): Promise<number> {
  const pool = new UpstreamPool(upstreamPort);
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    new DownConn(socket, pool);
  });
  closers.push(() => {
    for (const s of sockets) s.destroy();
  });
  return listen(server);
}

interface Answer {
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  trailers: http2.IncomingHttpHeaders;
}

function call(client: http2.ClientHttp2Session, path: string, body: Buffer): Promise<Answer> {
  const req = client.request({ ':method': 'POST', ':path': path }, { waitForTrailers: true });
  req.on('wantTrailers', () => req.sendTrailers({ 'x-request-trailer': `t${path}` }));
  req.end(body);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => {
      headers = h;
    });
    req.on('trailers', (t) => {
      trailers = t;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ headers, body: Buffer.concat(chunks), trailers }));
    req.on('error', reject);
  });
}

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** The frames in `bytes` as [type, flags, stream id, error code (RST_STREAM, GOAWAY)]. */
function framesOf(bytes: Buffer): number[][] {
  const out: number[][] = [];
  for (let pos = 0; pos + 9 <= bytes.length; pos += 9 + bytes.readUIntBE(pos, 3)) {
    const type = bytes[pos + 3] as number;
    const code = type === 3 ? bytes.readUInt32BE(pos + 9) : type === 7 ? bytes.readUInt32BE(pos + 13) : -1;
    out.push([type, bytes[pos + 4] as number, bytes.readUInt32BE(pos + 5), code]);
  }
  return out;
}

describe('h2wire relay', () => {
  it('relays bodies larger than every window, with trailers both ways, on many streams at once', async () => {
    const port = await relay(await echoUpstream());
    const client = http2.connect(`http://127.0.0.1:${port}`);
    closers.push(() => client.destroy());
    const sizes = [0, 1, 20, 16384, 16385, 70_000, 300_000, 3_000_000];
    const answers = await Promise.all(sizes.map((n, i) => call(client, `/s${i}`, pattern(n, i))));
    answers.forEach((a, i) => {
      const n = sizes[i] as number;
      expect(a.headers[':status']).toBe(200);
      expect(a.headers['x-path']).toBe(`/s${i}`);
      expect(a.headers['x-trailer-seen']).toBe(`t/s${i}`);
      expect(a.body.equals(pattern(n, i))).toBe(true);
      expect(a.trailers).toMatchObject({ 'grpc-status': '0', 'x-length': String(n) });
    });
    // and again on the same connections, with the HPACK tables warm
    const again = await Promise.all(sizes.map((n, i) => call(client, `/s${i}`, pattern(n, i + 1))));
    again.forEach((a, i) => {
      expect(a.body.equals(pattern(sizes[i] as number, i + 1))).toBe(true);
    });
  });

  it('passes a client reset on to the upstream stream', async () => {
    let upstreamClosed: () => void = () => {};
    const closedUpstream = new Promise<void>((r) => {
      upstreamClosed = r;
    });
    const server = http2.createServer();
    server.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.on('close', () => upstreamClosed());
    });
    const port = await relay(await listen(server));
    const client = http2.connect(`http://127.0.0.1:${port}`);
    closers.push(() => client.destroy());
    const req = client.request({ ':path': '/hang' });
    req.on('error', () => {});
    await new Promise((r) => setTimeout(r, 50));
    req.close(http2.constants.NGHTTP2_CANCEL);
    await closedUpstream;
  });

  it('passes an upstream reset on to the client', async () => {
    const server = http2.createServer();
    server.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    });
    const port = await relay(await listen(server));
    const client = http2.connect(`http://127.0.0.1:${port}`);
    closers.push(() => client.destroy());
    const req = client.request({ ':path': '/' });
    const code = await new Promise<number>((resolve) => {
      req.on('error', () => {});
      req.on('close', () => resolve(req.rstCode));
    });
    expect(code).toBe(http2.constants.NGHTTP2_REFUSED_STREAM);
  });

  it('refuses streams while the upstream is unreachable, without a connection attempt each', async () => {
    const closed = net.createServer();
    const deadPort = await listen(closed);
    closed.close();
    const port = await relay(deadPort);
    const client = http2.connect(`http://127.0.0.1:${port}`);
    closers.push(() => client.destroy());
    const codeOf = (req: http2.ClientHttp2Stream) =>
      new Promise<number>((resolve) => {
        req.on('error', () => {});
        req.on('close', () => resolve(req.rstCode));
      });
    const first = await codeOf(client.request({ ':path': '/' }));
    expect(first).toBe(http2.constants.NGHTTP2_CANCEL); // its upstream connection failed
    const later = await Promise.all([1, 2, 3].map(() => codeOf(client.request({ ':path': '/' }))));
    expect(later).toEqual([1, 2, 3].map(() => http2.constants.NGHTTP2_REFUSED_STREAM));
  });

  it('resets a malformed request with PROTOCOL_ERROR and keeps the connection', async () => {
    const port = await relay(await echoUpstream());
    const socket = net.connect(port, '127.0.0.1');
    closers.push(() => socket.destroy());
    const got: Buffer[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    const block = Buffer.alloc(256);
    const n = new HpackEncoder().encode(
      [':method', 'GET', ':scheme', 'http', ':path', '/', 'X-Upper', '1'],
      null,
      block,
      0,
    );
    const head = Buffer.from('000000010500000001', 'hex'); // HEADERS, END_STREAM | END_HEADERS, stream 1
    head.writeUIntBE(n, 0, 3);
    socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    socket.write(Buffer.concat([Buffer.from('000000040000000000', 'hex'), head, block.subarray(0, n)]));
    socket.write(Buffer.from('0000080600000000000102030405060708', 'hex')); // PING: still served after the reset
    const frames = await new Promise<number[][]>((resolve) => {
      socket.on('data', () => {
        const f = framesOf(Buffer.concat(got));
        if (f.some(([type, flags]) => type === 6 && flags === 1)) resolve(f);
      });
    });
    expect(frames).toContainEqual([3, 0, 1, http2.constants.NGHTTP2_PROTOCOL_ERROR]);
  });

  it('answers a client that breaks the protocol with GOAWAY', async () => {
    const port = await relay(await echoUpstream());
    const socket = net.connect(port, '127.0.0.1');
    closers.push(() => socket.destroy());
    const got: Buffer[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    socket.write(Buffer.from('000000040000000000', 'hex')); // SETTINGS
    socket.write(Buffer.from('00000400010000000161626364', 'hex')); // DATA on stream 1, never opened
    await new Promise<void>((r) => socket.on('close', () => r()));
    const goaway = framesOf(Buffer.concat(got)).find(([type]) => type === 7);
    expect(goaway?.[3]).toBe(http2.constants.NGHTTP2_PROTOCOL_ERROR);
  });
});
