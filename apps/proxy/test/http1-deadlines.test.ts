// HTTP/1 deadlines, set through the environment: a request head that stops arriving, a
// request body that stops arriving, and an idle keep-alive connection are each ended
// (408 for the first two), while a body that keeps trickling in is not cut off.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import {
  rawExchange,
  rawExchangeClosed,
  startTestProxy,
  startUpstream,
  type Upstream,
} from './core-harness.ts';

const LIMIT_MS = 600;
/** Far above the limits, far below the defaults (10 s head, 30 s body, 60 s idle). */
const BOUND_MS = 3_000;

let up: Upstream;
let proxy: RunningProxy;

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
    });
    req.on('end', () => res.end(`got ${n}`));
  });
  proxy = await startTestProxy(
    { destinations: { 'web.test:80': { endpoints: [{ address: '127.0.0.1', port: up.port }] } } },
    {
      WEFT_PROXY_HTTP_HEADER_TIMEOUT_MS: String(LIMIT_MS),
      WEFT_PROXY_HTTP_BODY_TIMEOUT_MS: String(LIMIT_MS),
      WEFT_PROXY_HTTP_IDLE_TIMEOUT_MS: String(LIMIT_MS),
    },
  );
});

afterAll(async () => {
  await proxy.drain(0);
  await up.close();
});

describe('HTTP/1 deadlines', () => {
  it('answer 408 to a request head that stops arriving', async () => {
    const out = await rawExchange(
      proxy.outbound.port,
      'GET http://web.test/ HTTP/1.1\r\nHost: web',
      BOUND_MS,
    );
    expect(out.startsWith('HTTP/1.1 408 ')).toBe(true);
  });

  it('answer 408 to a request body that stops arriving, and close', async () => {
    const { out, closed } = await rawExchangeClosed(
      proxy.outbound.port,
      'POST http://web.test/ HTTP/1.1\r\nHost: web.test\r\ncontent-length: 100\r\n\r\n0123456789',
      BOUND_MS,
    );
    expect(out.startsWith('HTTP/1.1 408 ')).toBe(true);
    expect(out).toContain('request body timeout');
    expect(closed).toBe(true); // closed by the proxy, not cut by the client's bound
  });

  it('let a body that keeps coming, a little at a time, through', async () => {
    const s = net.connect(proxy.outbound.port, '127.0.0.1');
    s.on('error', () => {});
    let out = '';
    s.on('data', (c: Buffer) => {
      out += c.toString('latin1');
    });
    try {
      s.write('POST http://web.test/ HTTP/1.1\r\nHost: web.test\r\ncontent-length: 10\r\n\r\n');
      // 10 bytes over ~1 s: longer than the limit in all, each gap well inside it
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 100));
        s.write('x');
      }
      await expect.poll(() => out, { timeout: BOUND_MS }).toContain('got 10');
      expect(out.startsWith('HTTP/1.1 200 ')).toBe(true);
    } finally {
      s.destroy();
    }
  });

  it('close a keep-alive connection left idle', async () => {
    const s = net.connect(proxy.outbound.port, '127.0.0.1');
    s.on('error', () => {});
    let out = '';
    s.on('data', (c: Buffer) => {
      out += c.toString('latin1');
    });
    const closed = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), BOUND_MS);
      s.on('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    s.write('GET http://web.test/ HTTP/1.1\r\nHost: web.test\r\n\r\n');
    await expect.poll(() => out, { timeout: BOUND_MS }).toContain('got 0');
    expect(await closed).toBe(true);
    s.destroy();
  });
});
