import { InboundPolicy } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { ProxyPolicyError } from './error.ts';
import { compileInbound, compileOutbound } from './plan.ts';

const inbound = (revision: number, totalRps?: number) =>
  InboundPolicy.parse({
    revision,
    workload: { namespace: 'demo', name: 'inventory' },
    port: 8080,
    rateLimit:
      totalRps === undefined
        ? null
        : { source: { kind: 'HTTPLocalRateLimitPolicy', namespace: 'demo', name: 'rl' }, totalRps },
  });

describe('compileInbound', () => {
  it('carries the port and builds a rate limiter only when a limit applies', () => {
    const none = compileInbound(inbound(1));
    expect(none.rateLimiter).toBeNull();
    expect(none.port).toBe(8080);
    expect(none.revision).toBe(1);
    const limited = compileInbound(inbound(2, 5));
    expect(limited.rateLimiter?.admit(undefined, 0)).toBe(0);
  });

  it('keeps the buckets across a revision with the same limits, and starts afresh when they change', () => {
    const t = 1_000_000;
    const first = compileInbound(inbound(1, 2));
    expect(first.rateLimiter?.admit(undefined, t)).toBe(0);
    expect(first.rateLimiter?.admit(undefined, t)).toBe(0);
    expect(first.rateLimiter?.admit(undefined, t)).toBeGreaterThan(0);
    const same = compileInbound(inbound(2, 2), first);
    expect(same.revision).toBe(2);
    expect(same.rateLimiter).toBe(first.rateLimiter);
    expect(same.rateLimiter?.admit(undefined, t)).toBeGreaterThan(0); // no fresh burst
    const changed = compileInbound(inbound(3, 3), same);
    expect(changed.rateLimiter).not.toBe(first.rateLimiter);
    expect(changed.rateLimiter?.admit(undefined, t)).toBe(0);
  });
});

describe('malformed updates', () => {
  it('are refused with the field named, for both directions', () => {
    const bad = {
      revision: 1,
      authority: 'web:80',
      service: null,
      routes: [{ source: { kind: 'HTTPRoute' } }],
    };
    expect(() => compileOutbound(bad as never)).toThrow(ProxyPolicyError);
    expect(() => compileOutbound(bad as never)).toThrow(/routes\.0\.source\.namespace/);
    const badInbound = { ...inbound(1), port: 0 };
    expect(() => compileInbound(badInbound)).toThrow(/port: InboundPolicy/);
  });
});
