import type { GoldenMetrics, RouteMetricsRow } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { backendOfRule, ruleMetrics } from './route-metrics.ts';

const golden = (requests: number, failures: number, p99: number): GoldenMetrics => ({
  requests,
  failures,
  rps: requests / 60,
  successRate: (requests - failures) / requests,
  latencyP50Ms: p99 / 4,
  latencyP95Ms: p99 / 2,
  latencyP99Ms: p99,
});

const row = (
  port: number,
  rule: number,
  requests: number,
  failures: number,
  p99: number,
): RouteMetricsRow => ({
  route: { parentPort: port, kind: 'HTTPRoute', namespace: 'demo', name: 'inventory-split', rule },
  metrics: golden(requests, failures, p99),
  backends: [
    { backend: { namespace: 'demo', name: 'inventory-v2', port }, metrics: golden(requests, failures, p99) },
  ],
  rpsTrend: [1, requests / 60],
});

describe('ruleMetrics', () => {
  const ref = { kind: 'HTTPRoute', namespace: 'demo', name: 'inventory-split', rule: 1 };

  it('finds a rule by route document and index, and nothing for a rule without traffic', () => {
    const rows = [row(80, 0, 60, 0, 10), row(80, 1, 120, 6, 40)];
    expect(ruleMetrics(rows, ref)?.metrics.requests).toBe(120);
    expect(ruleMetrics(rows, { ...ref, rule: 2 })).toBeUndefined();
    expect(ruleMetrics(rows, { ...ref, name: 'other' })).toBeUndefined();
    expect(backendOfRule(ruleMetrics(rows, ref), 'demo', 'inventory-v2')?.metrics.failures).toBe(6);
    expect(backendOfRule(ruleMetrics(rows, ref), 'demo', 'inventory')).toBeUndefined();
  });

  it('sums a rule counted on several parent ports, latency from the busiest', () => {
    const sum = ruleMetrics([row(80, 1, 120, 6, 40), row(8080, 1, 60, 30, 500)], ref);
    expect(sum?.metrics).toMatchObject({
      requests: 180,
      failures: 36,
      rps: 3,
      successRate: 144 / 180,
      latencyP99Ms: 40,
    });
    expect(sum?.rpsTrend).toEqual([2, 3]);
    expect(sum?.backends).toHaveLength(1);
    expect(sum?.backends[0]?.metrics.requests).toBe(180);
  });
});
