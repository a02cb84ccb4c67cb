import type { Endpoint } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import type { TargetMetrics } from '../metrics/handles.ts';
import { RetryBudget } from './budget.ts';
import { ConcreteService } from './concrete.ts';

const noMetrics: TargetMetrics = {
  http: { request() {}, response() {} },
  tcp: { open() {}, close() {} },
};
const ep = (port: number): Endpoint => ({
  address: '127.0.0.1',
  port,
  pod: `p${port}`,
  workload: 'w',
  namespace: 'n',
  meshed: false,
});

describe('ConcreteService', () => {
  it('prefers the endpoint with the lower peak-EWMA cost', () => {
    const c = new ConcreteService('a:1', () => noMetrics, { ratio: 0.2, minPerSecond: 10, ttlSeconds: 10 });
    c.update([ep(1), ep(2)]);
    const [fast, slow] = c.endpoints;
    if (!fast || !slow) throw new Error('two endpoints expected');
    fast.end(fast.begin()); // ~0 ms
    slow.end(slow.begin() - 50); // 50 ms
    let fastPicks = 0;
    for (let i = 0; i < 100; i++) if (c.pick() === fast) fastPicks++;
    expect(fastPicks).toBe(100);
    // pending requests raise the cost
    for (let i = 0; i < 200; i++) fast.pending++;
    expect(c.pick()).toBe(slow);
  });

  it('keeps endpoints that stay, retires removed ones, and becomes ready', async () => {
    const c = new ConcreteService('a:1', () => noMetrics, { ratio: 0.2, minPerSecond: 10, ttlSeconds: 10 });
    const ready = new Promise<Error | null>((r) => c.whenReady(r));
    c.update([ep(1), ep(2)]);
    expect(await ready).toBeNull();
    const [one, two] = c.endpoints;
    c.update([ep(2), ep(3)]);
    expect(c.endpoints[0]).toBe(two);
    expect(one?.removed).toBe(true);
    expect(c.endpoints.map((e) => e.port)).toEqual([2, 3]);
    c.update([]);
    expect(c.pick()).toBeUndefined();
  });
});

describe('RetryBudget', () => {
  it('allows 20% of requests plus the reserve, and refills as old deposits expire', () => {
    const b = new RetryBudget({ ratio: 0.2, minPerSecond: 1, ttlSeconds: 10 });
    const t = 1_000_000;
    for (let i = 0; i < 100; i++) b.deposit(t);
    let allowed = 0;
    while (b.withdraw(t)) allowed++;
    expect(allowed).toBe(30);
    // eleven seconds later, the old spending has expired: the reserve is back
    let later = 0;
    while (b.withdraw(t + 11_000)) later++;
    expect(later).toBe(10);
  });
});
