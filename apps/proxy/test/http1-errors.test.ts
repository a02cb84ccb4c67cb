// Failures answered by the proxy: 400/431/408 on bad or slow input (and still serving
// after), 502/503/504 with weft-proxy-error for upstream failures and timeouts.
import net from 'node:net';
import { freePort } from '@weft/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { rawExchange, startTestProxy, startUpstream, type Upstream, viaProxy } from './core-harness.ts';

let up: Upstream;
let proxy: RunningProxy;
let closedPort = 0;
/** `/slow` requests the upstream saw closed before it answered (given up by the proxy). */
let slowGivenUp = 0;

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    if (!req.url?.startsWith('/slow')) {
      res.end('ok');
      return;
    }
    const timer = setTimeout(() => res.end('late'), 1500);
    res.on('close', () => {
      if (res.writableEnded) return;
      clearTimeout(timer);
      slowGivenUp++;
    });
  });
  // a port nobody listens on (nor will: not one the kernel hands out for another listen(0))
  closedPort = await freePort();
  proxy = await startTestProxy({
    inbound: { ports: [{ public: 0, app: up.port }] },
    timeouts: { headerMs: 300, connectMs: 1000 },
    destinations: {
      'web.test:80': {
        endpoints: [{ address: '127.0.0.1', port: up.port }],
        routes: [{ pathPrefix: '/slow', timeoutMs: 300 }],
      },
      'gone.test:80': { endpoints: [{ address: '127.0.0.1', port: closedPort }] },
      'empty.test:80': { service: { namespace: 'test', name: 'empty' }, endpoints: [] },
    },
  });
});

afterAll(async () => {
  await proxy.drain(0);
  await up.close();
});

async function stillServing(): Promise<void> {
  const r = await viaProxy(proxy, 'http://web.test/ok');
  expect(r.status).toBe(200);
  expect(r.body).toBe('ok');
}

describe('bad input', () => {
  it('answers malformed requests with 400 and closes', async () => {
    for (const bad of [
      'GARBAGE\r\n\r\n',
      'GET /x HTTP/1.1\r\nno colon here\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n',
      'POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n',
      'GET /x HTTP/1.1\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n',
    ]) {
      const out = await rawExchange(proxy.inbound[0]?.address.port as number, bad);
      expect(out, JSON.stringify(bad)).toMatch(/^HTTP\/1\.1 400 /);
    }
    await stillServing();
  });

  it('answers oversized heads with 431', async () => {
    const big = `GET / HTTP/1.1\r\nHost: a\r\nx-big: ${'a'.repeat(40_000)}\r\n\r\n`;
    const out = await rawExchange(proxy.outbound.port, big);
    expect(out).toMatch(/^HTTP\/1\.1 431 /);
    // also when it never ends
    const out2 = await rawExchange(proxy.outbound.port, `GET / HTTP/1.1\r\nx: ${'b'.repeat(70_000)}`);
    expect(out2).toMatch(/^HTTP\/1\.1 431 /);
    await stillServing();
  });

  it('answers a slow head with 408 and closes', async () => {
    const s = net.connect(proxy.outbound.port, '127.0.0.1');
    let out = '';
    s.on('data', (c) => {
      out += c;
    });
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    s.write('GET http://web.test/ok HTTP/1.1\r\nHost: web.test\r\n');
    await closed;
    expect(out).toMatch(/^HTTP\/1\.1 408 /);
    await stillServing();
  });

  it('does not crash on random bytes', async () => {
    const tries = Array.from({ length: 20 }, (_, i) => {
      const junk = Buffer.from(Array.from({ length: 200 }, () => Math.floor(Math.random() * 256)));
      const prefix =
        i % 2 === 0
          ? 'GET '
          : 'POST http://web.test/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
      return rawExchange(proxy.outbound.port, Buffer.concat([Buffer.from(prefix), junk]), 500);
    });
    await Promise.all(tries);
    await stillServing();
  });
});

describe('upstream failures', () => {
  it('maps connect refused to 502 connect-refused', async () => {
    const r = await viaProxy(proxy, 'http://gone.test/');
    expect(r.status).toBe(502);
    expect(r.headers['weft-proxy-error']).toBe('connect-refused');
  });

  it('maps a service without endpoints to 503 no-endpoints', async () => {
    const r = await viaProxy(proxy, 'http://empty.test/');
    expect(r.status).toBe(503);
    expect(r.headers['weft-proxy-error']).toBe('no-endpoints');
  });

  it('maps an unknown name to 503 unresolvable', async () => {
    const r = await viaProxy(proxy, 'http://nowhere.test/');
    expect(r.status).toBe(503);
    expect(r.headers['weft-proxy-error']).toBe('unresolvable');
  });

  it('applies the route timeout: 504 request-timeout, and only on that route', async () => {
    const t0 = performance.now();
    const r = await viaProxy(proxy, 'http://web.test/slow');
    expect(r.status).toBe(504);
    expect(r.headers['weft-proxy-error']).toBe('request-timeout');
    // the 300 ms were waited for, and the request was given up before the upstream
    // answered it (at 1.5 s): the upstream saw it closed, unanswered
    expect(performance.now() - t0).toBeGreaterThanOrEqual(295);
    await expect.poll(() => slowGivenUp, { timeout: 5000 }).toBe(1);
    await stillServing();
  });
});
