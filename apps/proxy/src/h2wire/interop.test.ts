/**
 * Interop with node:http2 (nghttp2): a tiny HTTP/2 end built on the h2wire parts talks to
 * a node:http2 client and to a node:http2 server. Each side must read exactly the header
 * fields, bodies and trailers the other sent, over enough streams to exercise the dynamic
 * tables, with a header block large enough to need CONTINUATION frames.
 */
import http2 from 'node:http2';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type FrameHandler, FrameReader } from './frame-reader.ts';
import { CLIENT_PREFACE } from './frame-types.ts';
import { FrameWriter } from './frame-writer.ts';
import { HpackDecoder } from './hpack-decoder.ts';
import { HpackEncoder } from './hpack-encoder.ts';

interface Message {
  headers: string[];
  neverIndexed: number[];
  body: string;
  trailers: string[];
}

/** One side of a connection built on the h2wire parts, recording each stream's message. */
class WireEnd implements FrameHandler {
  readonly reader: FrameReader;
  readonly writer: FrameWriter;
  readonly decoder = new HpackDecoder();
  readonly encoder = new HpackEncoder();
  readonly messages = new Map<number, Message>();
  readonly block = Buffer.alloc(128 * 1024);
  onMessage: (id: number, m: Message) => void = () => {};

  constructor(
    readonly socket: net.Socket,
    server: boolean,
  ) {
    this.reader = new FrameReader(this, { server });
    this.writer = new FrameWriter(socket);
    socket.on('data', (chunk: Buffer) => this.reader.push(chunk));
    if (!server) socket.write(CLIENT_PREFACE);
    this.writer.settings([]);
  }

  send(
    id: number,
    fields: string[],
    body: string | null,
    trailers: string[] | null,
    never: number[] = [],
  ): void {
    let n = this.encoder.encode(fields, never, this.block, 0);
    this.writer.headers(id, this.block, 0, n, body === null && trailers === null);
    if (body !== null) this.writer.data(id, Buffer.from(body), trailers === null);
    if (trailers !== null) {
      n = this.encoder.encode(trailers, null, this.block, 0);
      this.writer.headers(id, this.block, 0, n, true);
    }
  }

  onHeaders(id: number, block: Buffer, end: boolean): void {
    const fields: string[] = [];
    this.decoder.decode(block, 0, block.length, fields);
    let m = this.messages.get(id);
    if (m === undefined) {
      m = { headers: fields, neverIndexed: [...this.decoder.neverIndexed], body: '', trailers: [] };
      this.messages.set(id, m);
    } else m.trailers = fields;
    if (end) this.onMessage(id, m);
  }
  onData(id: number, data: Buffer, end: boolean, flow: number): void {
    const m = this.messages.get(id);
    if (m === undefined) return;
    m.body += data.toString('latin1');
    if (flow > 0) {
      this.writer.windowUpdate(0, flow);
      if (!end) this.writer.windowUpdate(id, flow);
    }
    if (end) this.onMessage(id, m);
  }
  onSettings(ack: boolean): void {
    if (!ack) this.writer.settingsAck();
  }
  onPing(ack: boolean, opaque: Buffer): void {
    if (!ack) this.writer.ping(true, opaque);
  }
  onRstStream(): void {}
  onGoaway(): void {}
  onWindowUpdate(): void {}
  onStreamError(): void {}
}

const pairs = (flat: readonly string[]) => {
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push(`${flat[i]}: ${flat[i + 1]}`);
  return out.sort();
};

const BIG = 'v'.repeat(30_000); // a header block past 16384 octets: HEADERS + CONTINUATION
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe('h2wire interop with node:http2', () => {
  it('serves a node:http2 client: each side reads exactly what the other sent', async () => {
    const ends: WireEnd[] = [];
    const server = net.createServer((socket) => {
      const end = new WireEnd(socket, true);
      ends.push(end);
      end.onMessage = (id, m) => {
        const n = pairs(m.headers).length;
        end.send(
          id,
          [
            ':status',
            '200',
            'content-type',
            'text/plain',
            'x-request-fields',
            String(n),
            'set-cookie',
            'a=1',
          ],
          `echo ${m.body}`,
          ['grpc-status', '0', 'x-trailer', 'done'],
        );
      };
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    const client = http2.connect(`http://127.0.0.1:${port}`);
    closers.push(() => client.destroy());
    const sent: Record<string, string>[] = [];
    const got: { headers: Record<string, unknown>; body: string; trailers: Record<string, unknown> }[] = [];
    for (let i = 0; i < 30; i++) {
      const headers: Record<string, string> = {
        ':method': 'POST',
        ':path': `/svc/Method${i % 3}`,
        'content-type': 'application/grpc',
        'x-index': String(i),
        'x-repeated': 'same value every time',
        authorization: 'Bearer secret',
      };
      if (i === 7) headers['x-big'] = BIG;
      sent.push(headers);
      const req = client.request({ ...headers, [http2.sensitiveHeaders]: ['authorization'] });
      req.end(`body ${i}`);
      got.push(
        await new Promise((resolve, reject) => {
          let body = '';
          let h: Record<string, unknown> = {};
          let t: Record<string, unknown> = {};
          req.on('response', (r) => {
            h = r;
          });
          req.on('trailers', (tr) => {
            t = tr;
          });
          req.on('data', (c: Buffer) => {
            body += c.toString();
          });
          req.on('end', () => resolve({ headers: h, body, trailers: t }));
          req.on('error', reject);
        }),
      );
    }
    const end = ends[0] as WireEnd;
    for (let i = 0; i < 30; i++) {
      const m = end.messages.get(2 * i + 1) as Message;
      const expected = { ...sent[i], ':scheme': 'http', ':authority': `127.0.0.1:${port}` };
      expect(pairs(m.headers)).toEqual(pairs(Object.entries(expected).flat()));
      expect(m.body).toBe(`body ${i}`);
      const auth = m.headers.indexOf('authorization') / 2;
      expect(m.neverIndexed).toContain(auth);
      const g = got[i] as (typeof got)[number];
      expect(g.body).toBe(`echo body ${i}`);
      expect(g.headers[':status']).toBe(200);
      expect(g.headers['x-request-fields']).toBe(String(Object.keys(expected).length));
      expect(g.headers['set-cookie']).toEqual(['a=1']);
      expect(g.trailers).toMatchObject({ 'grpc-status': '0', 'x-trailer': 'done' });
    }
    // later requests reuse the dynamic table: the repeated fields cost one octet each
    expect(end.decoder.table.count).toBeGreaterThan(3);
  });

  it('calls a node:http2 server: each side reads exactly what the other sent', async () => {
    const seen: { headers: string[]; body: string; trailers: string[] }[] = [];
    const server = http2.createServer();
    server.on('stream', (stream: http2.ServerHttp2Stream, _h: unknown, _f: number, raw: string[]) => {
      const entry = { headers: raw, body: '', trailers: [] as string[] };
      seen.push(entry);
      stream.on('data', (c: Buffer) => {
        entry.body += c.toString('latin1');
      });
      stream.on('trailers', (_t: unknown, _tf: number, rawTrailers: string[]) => {
        entry.trailers = rawTrailers;
      });
      stream.on('end', () => {
        stream.respond({ ':status': 201, 'x-got': entry.body, 'x-long': BIG }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    const socket = net.connect(port, '127.0.0.1');
    closers.push(() => socket.destroy());
    const end = new WireEnd(socket, false);
    const done = new Map<number, Message>();
    const allDone = new Promise<void>((resolve) => {
      end.onMessage = (id, m) => {
        done.set(id, m);
        if (done.size === 30) resolve();
      };
    });
    const requests: string[][] = [];
    for (let i = 0; i < 30; i++) {
      const fields = [
        ':method',
        'POST',
        ':scheme',
        'http',
        ':authority',
        'upstream',
        ':path',
        `/svc/M${i % 4}`,
      ];
      fields.push('x-index', String(i), 'x-repeated', 'same every time', 'cookie', 'c=1');
      if (i === 3) fields.push('x-big', BIG);
      requests.push(fields);
      end.send(2 * i + 1, fields, `request ${i}`, ['x-request-trailer', `t${i}`], [fields.length / 2 - 1]);
    }
    await allDone;
    for (let i = 0; i < 30; i++) {
      const s = seen.find((e) => e.body === `request ${i}`);
      expect(s).toBeDefined();
      expect(pairs(s?.headers ?? [])).toEqual(pairs(requests[i] as string[]));
      expect(s?.trailers).toEqual(['x-request-trailer', `t${i}`]);
      const m = done.get(2 * i + 1) as Message;
      expect(pairs(m.headers)).toEqual(
        pairs([
          ':status',
          '201',
          'x-got',
          `request ${i}`,
          'x-long',
          BIG,
          'date',
          m.headers[m.headers.indexOf('date') + 1] as string,
        ]),
      );
      expect(m.body).toBe('ok');
      expect(m.trailers).toEqual(['grpc-status', '0']);
    }
  });
});
