// An Upgrade the endpoint refuses (any answer but 101) does not turn the connection into
// a blind tunnel: the answer reaches the client whole, and the next request on the same
// connection is parsed and checked like any other (a client's forged weft-src is dropped,
// the request goes out in origin form on a connection of the proxy's choosing).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { startTestProxy } from './core-harness.ts';

let raw: net.Server;
let proxy: RunningProxy;
/** Request heads the endpoint received, with the number of the connection each came on. */
const heads: { conn: number; head: string }[] = [];

beforeAll(async () => {
  let conns = 0;
  raw = net.createServer((s) => {
    const conn = ++conns;
    let buf = '';
    s.on('error', () => {});
    s.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, end + 4);
        buf = buf.slice(end + 4);
        heads.push({ conn, head });
        s.write(
          /upgrade: websocket/i.test(head)
            ? 'HTTP/1.1 426 Upgrade Required\r\ncontent-length: 4\r\n\r\nnope'
            : 'HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nsecond',
        );
      }
    });
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
  proxy = await startTestProxy({
    destinations: {
      'ws.test:80': { endpoints: [{ address: '127.0.0.1', port: (raw.address() as net.AddressInfo).port }] },
    },
  });
});

afterAll(async () => {
  await proxy.drain(0);
  await new Promise<void>((r) => raw.close(() => r()));
});

/** Reads from `s` until `text` arrived (bounded). */
function readUntil(s: net.Socket, text: string, ms = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const timer = setTimeout(() => {
      s.removeListener('data', onData);
      reject(new Error(`no "${text}" within ${ms} ms; got ${JSON.stringify(got)}`));
    }, ms);
    const onData = (c: Buffer) => {
      got += c.toString('latin1');
      if (got.includes(text)) {
        clearTimeout(timer);
        s.removeListener('data', onData);
        resolve(got);
      }
    };
    s.on('data', onData);
  });
}

describe('HTTP/1.1 Upgrade refused by the endpoint', () => {
  it('relays the refusal and parses the next request on the connection as HTTP again', async () => {
    const s = net.connect(proxy.outbound.port, '127.0.0.1');
    s.on('error', () => {});
    try {
      s.write(
        'GET http://ws.test/chat HTTP/1.1\r\nHost: ws.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      );
      const refusal = await readUntil(s, 'nope');
      expect(refusal.startsWith('HTTP/1.1 426 Upgrade Required\r\n')).toBe(true);
      s.write('GET http://ws.test/next HTTP/1.1\r\nHost: ws.test\r\nweft-src: evil/forged\r\n\r\n');
      const answer = await readUntil(s, 'second');
      expect(answer.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
      expect(heads).toHaveLength(2);
      const next = heads[1] as { conn: number; head: string };
      // parsed and rewritten by the proxy, not tunnelled as it was sent
      expect(next.head.startsWith('GET /next HTTP/1.1\r\n')).toBe(true);
      expect(next.head).not.toContain('forged');
      expect(next.conn).not.toBe((heads[0] as { conn: number }).conn);
    } finally {
      s.destroy();
    }
  });
});
