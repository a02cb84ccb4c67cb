// An absolute-form request (what an HTTP_PROXY client sends) reaches the upstream with the
// request target's authority as its Host (RFC 9112 §3.2.2), not the client's stale Host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { rawExchange, startTestProxy, startUpstream, type Upstream } from './core-harness.ts';

let up: Upstream;
let proxy: RunningProxy;

beforeAll(async () => {
  up = await startUpstream((req, res) =>
    res.end(
      `host=${req.headers.host} hosts=${req.rawHeaders.filter((_, i) => i % 2 === 0 && _.toLowerCase() === 'host').length}`,
    ),
  );
  proxy = await startTestProxy({
    destinations: { 'web.test:80': { endpoints: [{ address: '127.0.0.1', port: up.port }] } },
  });
});

afterAll(async () => {
  await proxy.drain(0);
  await up.close();
});

describe('absolute-form requests', () => {
  it('replace a stale Host with the target’s authority', async () => {
    const out = await rawExchange(
      proxy.outbound.port,
      'GET http://web.test/x HTTP/1.1\r\nHost: stale.example\r\nConnection: close\r\n\r\n',
    );
    expect(out).toMatch(/^HTTP\/1\.1 200 /);
    expect(out).toContain('host=web.test hosts=1');
  });

  it('add the Host when there is none, and keep a matching one', async () => {
    const none = await rawExchange(proxy.outbound.port, 'GET http://web.test/x HTTP/1.0\r\n\r\n');
    expect(none).toContain('host=web.test hosts=1');
    const same = await rawExchange(
      proxy.outbound.port,
      'GET http://web.test/x HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n',
    );
    expect(same).toContain('host=web.test hosts=1');
  });
});
