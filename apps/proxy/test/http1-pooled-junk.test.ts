// A pooled endpoint connection stops parsing once its response is complete: bytes a
// misbehaving server sends after that (here a whole second response, in the same write)
// never reach the next caller; the connection is dropped instead of reused.

import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { startTestProxy, viaProxy } from './core-harness.ts';

let raw: net.Server;
let proxy: RunningProxy;
let conns = 0;

beforeAll(async () => {
  // Each connection's first answer is followed by a forged one; later answers are clean.
  raw = net.createServer((s) => {
    conns++;
    let seen = 0;
    let buf = '';
    s.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      while (buf.includes('\r\n\r\n')) {
        buf = buf.slice(buf.indexOf('\r\n\r\n') + 4);
        seen++;
        s.write(
          seen === 1
            ? 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfirst' +
                'HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nforged'
            : 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nclean',
        );
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
  proxy = await startTestProxy({
    destinations: {
      'junk.test:80': {
        endpoints: [{ address: '127.0.0.1', port: (raw.address() as net.AddressInfo).port }],
      },
    },
  });
});

afterAll(async () => {
  await proxy.drain(0);
  await new Promise<void>((r) => raw.close(() => r()));
});

describe('HTTP/1 pooled endpoint connections', () => {
  it('are dropped, not reused, when bytes follow a complete response', async () => {
    const first = await viaProxy(proxy, 'http://junk.test/a');
    expect(first.status).toBe(200);
    expect(first.body).toBe('first');
    // the next caller, on its own keep-alive connection, must get its own answer
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const second = await viaProxy(proxy, 'http://junk.test/b', { agent });
      expect(second.body).not.toContain('forged');
      expect(second.status).toBe(200);
      expect(second.body).toBe('first'); // a fresh connection's first answer
      expect(conns).toBe(2);
    } finally {
      agent.destroy();
    }
  }, 10_000);
});
