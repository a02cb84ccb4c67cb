// A response framed two ways (Content-Length and Transfer-Encoding) is not passed on: the
// caller gets 502 from the proxy, never the upstream's ambiguous bytes, and the proxy
// keeps serving.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { startTestProxy, startUpstream, type Upstream, viaProxy } from './core-harness.ts';

let raw: net.Server;
let up: Upstream;
let proxy: RunningProxy;

beforeAll(async () => {
  // An upstream that answers every request with both framings, smuggling a second response in the body.
  raw = net.createServer((s) => {
    s.once('data', () => {
      s.end(
        'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n' +
          '0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled',
      );
    });
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
  up = await startUpstream((_req, res) => res.end('ok'));
  proxy = await startTestProxy({
    destinations: {
      'both.test:80': {
        endpoints: [{ address: '127.0.0.1', port: (raw.address() as net.AddressInfo).port }],
      },
      'web.test:80': { endpoints: [{ address: '127.0.0.1', port: up.port }] },
    },
  });
});

afterAll(async () => {
  await proxy.drain(0);
  await up.close();
  await new Promise<void>((r) => raw.close(() => r()));
});

describe('HTTP/1 responses with both Content-Length and Transfer-Encoding', () => {
  it('answer 502 and never pass the upstream bytes on', async () => {
    const r = await viaProxy(proxy, 'http://both.test/');
    expect(r.status).toBe(502);
    expect(r.body).not.toContain('smuggled');
    const ok = await viaProxy(proxy, 'http://web.test/');
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('ok');
  });
});
