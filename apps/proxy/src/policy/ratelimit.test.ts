import { RateLimitPlan } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { RateLimiter } from './ratelimit.ts';

const source = { kind: 'HTTPLocalRateLimitPolicy', namespace: 'demo', name: 'limits' };
const limiter = (p: Omit<z.input<typeof RateLimitPlan>, 'source'>, max?: number) =>
  new RateLimiter(RateLimitPlan.parse({ source, ...p }), max);

const T0 = 1_700_000_000_000;

/**
 * Offers `offered` requests per second, evenly spaced, for `seconds`, reading a clock that
 * only moves in `tickMs` steps (as the proxy's coarse clock does). Returns admissions
 * after the first second (the initial burst) divided by the measured seconds.
 */
function steadyRate(rl: RateLimiter, offered: number, seconds: number, tickMs: number, id?: string): number {
  let admitted = 0;
  const total = offered * (seconds + 1);
  for (let i = 0; i < total; i++) {
    const exact = T0 + (i * 1000) / offered;
    const coarse = T0 + Math.floor((exact - T0) / tickMs) * tickMs;
    if (rl.admit(id, coarse) === 0 && exact >= T0 + 1000) admitted++;
  }
  return admitted / seconds;
}

describe('RateLimiter: total', () => {
  for (const [rps, offered] of [
    [5, 50],
    [50, 120],
    [200, 1000],
    [1000, 3000],
  ] as const) {
    it(`holds ${rps} rps within 10% over 10 s when offered ${offered} rps`, () => {
      const rate = steadyRate(limiter({ totalRps: rps }), offered, 10, 100);
      expect(rate).toBeGreaterThanOrEqual(rps * 0.9);
      expect(rate).toBeLessThanOrEqual(rps * 1.1);
    });
  }

  it('admits everything under the limit', () => {
    expect(steadyRate(limiter({ totalRps: 100 }), 80, 10, 100)).toBe(80);
  });

  it('lets one second of burst through at once, then refuses with Retry-After', () => {
    const rl = limiter({ totalRps: 10 });
    let admitted = 0;
    for (let i = 0; i < 25; i++) if (rl.admit(undefined, T0) === 0) admitted++;
    expect(admitted).toBe(10);
    expect(rl.admit(undefined, T0)).toBe(1);
    expect(rl.admit(undefined, T0 + 100)).toBe(0); // one token back after 100 ms
  });

  it('answers Retry-After in whole seconds until the next token', () => {
    const rl = limiter({ totalRps: 0.25 }); // one request per 4 s
    expect(rl.admit(undefined, T0)).toBe(0);
    expect(rl.admit(undefined, T0)).toBe(4);
    expect(rl.admit(undefined, T0 + 2_500)).toBe(2);
    expect(rl.admit(undefined, T0 + 4_000)).toBe(0);
  });
});

describe('RateLimiter: per identity', () => {
  it('gives each identity its own bucket', () => {
    const rl = limiter({ identityRps: 20 });
    for (const id of ['a.sa', 'b.sa']) {
      const rate = steadyRate(rl, 100, 10, 100, id);
      expect(rate).toBeGreaterThanOrEqual(18);
      expect(rate).toBeLessThanOrEqual(22);
    }
    // unauthenticated callers share one bucket
    let anon = 0;
    for (let i = 0; i < 100; i++) if (rl.admit(undefined, T0 + 60_000) === 0) anon++;
    expect(anon).toBe(20);
  });

  it('a refused identity takes no token from the total', () => {
    const rl = limiter({ totalRps: 10, identityRps: 2 });
    let greedy = 0;
    for (let i = 0; i < 50; i++) if (rl.admit('greedy', T0) === 0) greedy++;
    expect(greedy).toBe(2);
    let others = 0;
    for (let i = 0; i < 8; i++) if (rl.admit(`other-${i}`, T0) === 0) others++;
    expect(others).toBe(8);
    expect(rl.admit('late', T0)).toBeGreaterThan(0); // the total is spent
  });

  it('overrides replace the per-identity rate, one bucket shared by the identities listed', () => {
    const rl = limiter({
      identityRps: 5,
      overrides: [{ rps: 50, identities: ['batch.sa', 'batch2.sa'] }],
    });
    const batch = steadyRate(rl, 200, 10, 100, 'batch.sa');
    expect(batch).toBeGreaterThanOrEqual(45);
    expect(batch).toBeLessThanOrEqual(55);
    // the second identity of the override draws on the same bucket, spent at the last tick
    expect(rl.admit('batch2.sa', T0 + 10_900)).toBeGreaterThan(0);
    const plain = steadyRate(rl, 200, 10, 100, 'web.sa');
    expect(plain).toBeGreaterThanOrEqual(4.5);
    expect(plain).toBeLessThanOrEqual(5.5);
  });

  it('keeps at most maxIdentities buckets, evicting the least recently seen', () => {
    const rl = limiter({ identityRps: 1 }, 3);
    for (const id of ['a', 'b', 'c']) expect(rl.admit(id, T0)).toBe(0);
    expect(rl.admit('a', T0)).toBe(1); // a is spent, and now most recently seen
    expect(rl.admit('d', T0)).toBe(0); // evicts b
    expect(rl.trackedIdentities).toBe(3);
    expect(rl.admit('a', T0)).toBe(1); // a was kept: still spent
    expect(rl.admit('c', T0)).toBe(1); // c was kept: still spent
    expect(rl.admit('b', T0)).toBe(0); // b was evicted: back with a full bucket
    expect(rl.trackedIdentities).toBe(3);
  });

  it('keeps memory bounded under many identities', () => {
    const rl = limiter({ identityRps: 1 }, 100);
    for (let i = 0; i < 10_000; i++) rl.admit(`id-${i}`, T0 + i);
    expect(rl.trackedIdentities).toBe(100);
  });
});

describe('RateLimiter.sameLimits', () => {
  it('compares the limits, not the document', () => {
    const plan = RateLimitPlan.parse({ source, totalRps: 10, overrides: [{ rps: 2, identities: ['x'] }] });
    const rl = new RateLimiter(plan);
    expect(rl.sameLimits({ ...plan, source: { ...source, name: 'renamed' } })).toBe(true);
    expect(rl.sameLimits({ ...plan, totalRps: 11 })).toBe(false);
    expect(rl.sameLimits({ ...plan, overrides: [] })).toBe(false);
  });
});
