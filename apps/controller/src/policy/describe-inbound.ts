/**
 * Inbound rate limits in words: for every workload port whose compiled
 * HTTPLocalRateLimitPolicy differs before and after a change, `demo/inventory:8080`
 * "rate limit none → 100 rps in total, 10 rps per caller".
 */
import type { InboundPolicy, PolicyChangeSentence, RateLimitPlan } from '@weft/shared';

function describeLimit(r: RateLimitPlan | null | undefined): string {
  if (!r) return 'none';
  const parts: string[] = [];
  if (r.totalRps !== undefined) parts.push(`${r.totalRps} rps in total`);
  if (r.identityRps !== undefined) parts.push(`${r.identityRps} rps per caller`);
  if (r.overrides.length > 0)
    parts.push(`${r.overrides.length} ${r.overrides.length === 1 ? 'override' : 'overrides'}`);
  return parts.length > 0 ? parts.join(', ') : 'unlimited';
}

/** Sentences for every workload port whose rate limit changes. */
export function describeRateLimits(
  before: ReadonlyMap<string, InboundPolicy>,
  after: ReadonlyMap<string, InboundPolicy>,
): PolicyChangeSentence[] {
  const out: PolicyChangeSentence[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(key)?.rateLimit ?? null;
    const b = after.get(key)?.rateLimit ?? null;
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    const p = (after.get(key) ?? before.get(key)) as InboundPolicy;
    out.push({
      subject: `${p.workload.namespace}/${p.workload.name}:${p.port}`,
      kind: a === null ? 'added' : b === null ? 'removed' : 'changed',
      text: `rate limit ${describeLimit(a)} → ${describeLimit(b)}`,
    });
  }
  return out;
}
