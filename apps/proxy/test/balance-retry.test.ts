// Balancing and retries through a real proxy: most load goes to the faster endpoint;
// idempotent requests are retried within the budget and never beyond it; others never.
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { startTestProxy, startUpstream, type Upstream, viaProxy } from './core-harness.ts';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function upstream(delayMs: number, status = 200): Promise<Upstream> {
  const u = await startUpstream((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        res.statusCode = status;
        res.end(String(status));
      }, delayMs),
    );
  });
  cleanup.push(() => u.close());
  return u;
}

async function proxyFor(
  dests: Record<string, Upstream[]>,
  budget?: { ratio: number; minPerSecond: number; ttlSeconds: number },
) {
  const destinations: Record<string, unknown> = {};
  for (const [a, ups] of Object.entries(dests)) {
    destinations[a] = { endpoints: ups.map((u) => ({ address: '127.0.0.1', port: u.port })) };
  }
  const p: RunningProxy = await startTestProxy({ destinations }, {}, budget ? { retryBudget: budget } : {});
  cleanup.push(() => p.drain(0));
  return p;
}

describe('balancing', () => {
  it('sends most requests to the faster of two endpoints', async () => {
    const fast = await upstream(0);
    const slow = await upstream(40);
    const proxy = await proxyFor({ 'svc.test:80': [fast, slow] });
    // 8 concurrent callers, 240 requests
    const workers = Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 30; i++) {
        const r = await viaProxy(proxy, 'http://svc.test/');
        expect(r.status).toBe(200);
      }
    });
    await Promise.all(workers);
    expect(fast.hits + slow.hits).toBe(240);
    expect(fast.hits / 240).toBeGreaterThan(0.7);
    expect(slow.hits).toBeGreaterThan(0); // it was tried, then avoided
  });
});

describe('retries', () => {
  it('retries idempotent requests on a failing endpoint so that callers see the healthy one', async () => {
    const bad = await upstream(0, 503);
    const good = await upstream(0);
    const proxy = await proxyFor({ 'svc.test:80': [bad, good] });
    for (let i = 0; i < 40; i++) {
      const r = await viaProxy(proxy, 'http://svc.test/');
      expect(r.status).toBe(200);
    }
    expect(good.hits).toBe(40);
  });

  it('stops retrying when the budget is spent', async () => {
    const bad = await upstream(0, 503);
    const budget = { ratio: 0.2, minPerSecond: 1, ttlSeconds: 10 }; // reserve: 10 retries
    const proxy = await proxyFor({ 'svc.test:80': [bad] }, budget);
    const n = 100;
    let failures = 0;
    for (let i = 0; i < n; i++) {
      const r = await viaProxy(proxy, 'http://svc.test/');
      if (r.status === 503) failures++;
    }
    expect(failures).toBe(n);
    const retries = bad.hits - n;
    // 20% of 100 requests plus the reserve of 10, and no more
    expect(retries).toBeLessThanOrEqual(0.2 * n + 10);
    expect(retries).toBeGreaterThanOrEqual(0.2 * n);
  });

  it('never retries a POST, nor a body over 64 KiB', async () => {
    const bad = await upstream(0, 503);
    const proxy = await proxyFor({ 'svc.test:80': [bad] });
    const r = await viaProxy(proxy, 'http://svc.test/', { method: 'POST', body: 'x' });
    expect(r.status).toBe(503);
    expect(bad.hits).toBe(1);
    const big = Buffer.alloc(65 * 1024, 1);
    const r2 = await viaProxy(proxy, 'http://svc.test/', { method: 'PUT', body: big });
    expect(r2.status).toBe(503);
    expect(bad.hits).toBe(2);
    const small = Buffer.alloc(1024, 1);
    await viaProxy(proxy, 'http://svc.test/', { method: 'PUT', body: small });
    expect(bad.hits).toBeGreaterThan(3); // the small PUT was retried
  });
});
