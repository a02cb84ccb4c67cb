import type { GoldenMetrics } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { DEGRADED_FAILURE_RATE, FAILING_FAILURE_RATE, healthOf, healthOfFailureRate } from './health.ts';

const metrics = (requests: number, failures: number): GoldenMetrics => ({
  successRate: requests > 0 ? (requests - failures) / requests : null,
  rps: requests / 60,
  latencyP50Ms: 1,
  latencyP95Ms: 2,
  latencyP99Ms: 3,
  requests,
  failures,
});

describe('health thresholds', () => {
  it('are Kiali-like: degraded from 0.1% failures, failing from 10%', () => {
    expect(DEGRADED_FAILURE_RATE).toBe(0.001);
    expect(FAILING_FAILURE_RATE).toBe(0.1);
    expect(healthOfFailureRate(0)).toBe('healthy');
    expect(healthOfFailureRate(0.0009)).toBe('healthy');
    expect(healthOfFailureRate(0.001)).toBe('degraded');
    expect(healthOfFailureRate(0.0999)).toBe('degraded');
    expect(healthOfFailureRate(0.1)).toBe('failing');
  });

  it('reads golden metrics: no requests is idle, no metrics is unknown', () => {
    expect(healthOf(metrics(10_000, 0))).toBe('healthy');
    expect(healthOf(metrics(10_000, 20))).toBe('degraded');
    expect(healthOf(metrics(100, 50))).toBe('failing');
    expect(healthOf(metrics(0, 0))).toBe('idle');
    expect(healthOf(null)).toBe('unknown');
  });
});
