/**
 * HTTPLocalRateLimitPolicy for one inbound port: token buckets refilled from the caller's
 * (coarse) clock. A total bucket for all callers; per caller, either the bucket of the
 * override that names it (one bucket per override entry, shared by the identities it
 * lists, as Linkerd does) or its own bucket at the per-identity rate. Callers without an
 * identity share the bucket of the empty identity unless the caller passes something
 * else (a source address) in its place.
 *
 * Each bucket holds one second of its rate (at least one token) and starts full, as
 * Linkerd's `requestsPerSecond` quotas do, so a burst of up to one second's worth passes
 * at once and the rate holds from then on. A request is admitted only when every bucket
 * that applies has a token, and then takes one from each. Per-identity buckets are kept
 * for at most `maxIdentities` callers, least recently seen evicted first (an evicted
 * caller comes back with a full bucket).
 */
import type { RateLimitPlan } from '@weft/shared';

/** One token bucket. `rate` is tokens per ms. */
class Bucket {
  tokens: number;
  last: number;

  constructor(
    readonly capacity: number,
    readonly rate: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Adds what accrued since the last call (never beyond capacity). */
  refill(now: number): void {
    const dt = now - this.last;
    if (dt > 0) {
      const t = this.tokens + dt * this.rate;
      this.tokens = Math.min(t, this.capacity);
    }
    this.last = now;
  }

  /** Whole seconds until the next token, at least 1. */
  waitSeconds(): number {
    const s = Math.ceil((1 - this.tokens) / this.rate / 1000);
    return Math.max(s, 1);
  }
}

export const DEFAULT_MAX_IDENTITIES = 10_000;

export class RateLimiter {
  private readonly plan: RateLimitPlan;
  private readonly total: Bucket | null;
  private readonly identityRps: number | undefined;
  private readonly byIdentity = new Map<string, Bucket>();
  private readonly overrides = new Map<string, Bucket>();
  private readonly maxIdentities: number;

  constructor(plan: RateLimitPlan, maxIdentities: number = DEFAULT_MAX_IDENTITIES) {
    this.plan = plan;
    this.maxIdentities = Math.max(1, Math.floor(maxIdentities));
    this.total = plan.totalRps !== undefined ? newBucket(plan.totalRps, 0) : null;
    this.identityRps = plan.identityRps;
    for (const o of plan.overrides) {
      const shared = newBucket(o.rps, 0);
      // An identity listed twice: the first override naming it wins.
      for (const id of o.identities) if (!this.overrides.has(id)) this.overrides.set(id, shared);
    }
  }

  /**
   * Admits one request from `identity` at `nowMs`: 0 when admitted, else the number of
   * whole seconds (at least 1) to send as `Retry-After`.
   */
  admit(identity: string | undefined, nowMs: number): number {
    const own = this.callerBucket(identity === undefined ? '' : identity, nowMs);
    const total = this.total;
    if (total !== null) total.refill(nowMs);
    if (own !== null) own.refill(nowMs);
    const totalOk = total === null || total.tokens >= 1;
    const ownOk = own === null || own.tokens >= 1;
    if (totalOk && ownOk) {
      if (total !== null) total.tokens -= 1;
      if (own !== null) own.tokens -= 1;
      return 0;
    }
    const a = totalOk ? 0 : (total as Bucket).waitSeconds();
    const b = ownOk ? 0 : (own as Bucket).waitSeconds();
    return Math.max(a, b);
  }

  /** Per-identity buckets currently kept (for tests and metrics). */
  get trackedIdentities(): number {
    return this.byIdentity.size;
  }

  /** Whether `plan` sets the same limits as this limiter's (so its state can carry over). */
  sameLimits(plan: RateLimitPlan): boolean {
    const a = this.plan;
    return (
      a.totalRps === plan.totalRps &&
      a.identityRps === plan.identityRps &&
      JSON.stringify(a.overrides) === JSON.stringify(plan.overrides)
    );
  }

  private callerBucket(id: string, nowMs: number): Bucket | null {
    const o = this.overrides.get(id);
    if (o !== undefined) return o;
    const rps = this.identityRps;
    if (rps === undefined) return null;
    const map = this.byIdentity;
    let b = map.get(id);
    if (b !== undefined) {
      // Most recently seen last: delete and re-insert.
      map.delete(id);
      map.set(id, b);
      return b;
    }
    if (map.size >= this.maxIdentities) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    b = newBucket(rps, nowMs);
    map.set(id, b);
    return b;
  }
}

/** A bucket holding one second of `rps` (at least one token), full. */
function newBucket(rps: number, now: number): Bucket {
  return new Bucket(Math.max(1, rps), rps / 1000, now);
}
