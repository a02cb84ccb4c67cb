// An Upgrade request (WebSocket) reaches the endpoint without a `weft-src` header the
// client made up: only a proxy says which workload calls.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { startTestProxy } from './core-harness.ts';

let raw: net.Server;
let proxy: RunningProxy;
const heads: string[] = [];

beforeAll(async () => {
  raw = net.createServer((s) => {
    let head = '';
    s.on('data', (c: Buffer) => {
      head += c.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        heads.push(head);
        s.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
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

describe('Upgrade requests', () => {
  it('reach the endpoint without a client-made weft-src', async () => {
    const s = net.connect(proxy.outbound.port, '127.0.0.1');
    s.write(
      'GET http://ws.test/chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'weft-src: prod/payments\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await new Promise<void>((resolve) => s.once('data', () => resolve()));
    s.destroy();
    expect(heads).toHaveLength(1);
    expect(heads[0]).toMatch(/^GET \/chat HTTP\/1\.1\r\n/);
    expect(heads[0]?.toLowerCase()).toContain('upgrade: websocket');
    expect(heads[0]?.toLowerCase()).not.toContain('weft-src');
  });
});
