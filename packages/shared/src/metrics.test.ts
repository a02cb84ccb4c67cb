import { describe, expect, it } from 'vitest';
import { GoldenMetrics, LATENCY_BUCKETS_MS, MetricsScope, TimeWindow, WINDOW_SECONDS } from './metrics.ts';

describe('latency buckets', () => {
  it('are Linkerd buckets: increasing, from 1 ms to 50 s', () => {
    expect(LATENCY_BUCKETS_MS[0]).toBe(1);
    expect(LATENCY_BUCKETS_MS.at(-1)).toBe(50_000);
    for (let i = 1; i < LATENCY_BUCKETS_MS.length; i++) {
      expect(LATENCY_BUCKETS_MS[i]).toBeGreaterThan(LATENCY_BUCKETS_MS[i - 1] ?? 0);
    }
  });
});

describe('TimeWindow', () => {
  it('knows every window length', () => {
    for (const w of TimeWindow.options) expect(WINDOW_SECONDS[w]).toBeGreaterThan(0);
    expect(TimeWindow.safeParse('2m').success).toBe(false);
  });
});

describe('GoldenMetrics', () => {
  it('rejects a success rate above 1', () => {
    const r = GoldenMetrics.safeParse({
      successRate: 1.5,
      rps: 1,
      latencyP50Ms: 1,
      latencyP95Ms: 2,
      latencyP99Ms: 3,
      requests: 10,
      failures: 0,
    });
    expect(r.error?.issues[0]?.path).toEqual(['successRate']);
  });
});

describe('MetricsScope', () => {
  it('discriminates on kind', () => {
    expect(MetricsScope.parse({ kind: 'workload', namespace: 'demo', name: 'web' }).kind).toBe('workload');
    expect(MetricsScope.safeParse({ kind: 'cluster' }).success).toBe(false);
  });
});
