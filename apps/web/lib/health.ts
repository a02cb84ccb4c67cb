/**
 * Health of a workload or an edge from its golden metrics: the one place that holds the
 * thresholds, as Kiali draws them. A failure rate from 0.1% is degraded, from 10% failing.
 */
import type { GoldenMetrics } from '@weft/shared';

/** Failure ratio (0..1) from which a workload or edge is drawn as degraded. */
export const DEGRADED_FAILURE_RATE = 0.001;
/** Failure ratio (0..1) from which a workload or edge is drawn as failing. */
export const FAILING_FAILURE_RATE = 0.1;

/** `idle`: no request seen in the window; `unknown`: no metrics at all (e.g. unmeshed). */
export type Health = 'healthy' | 'degraded' | 'failing' | 'idle' | 'unknown';

/** The health band a failure ratio falls in. */
export function healthOfFailureRate(failureRate: number): Health {
  if (failureRate >= FAILING_FAILURE_RATE) return 'failing';
  if (failureRate >= DEGRADED_FAILURE_RATE) return 'degraded';
  return 'healthy';
}

/** The health of golden metrics over a window. */
export function healthOf(metrics: GoldenMetrics | null | undefined): Health {
  if (!metrics) return 'unknown';
  if (metrics.requests <= 0 || metrics.successRate === null) return 'idle';
  return healthOfFailureRate(1 - metrics.successRate);
}

/** Words for each health band, for legends and accessible names. */
export const HEALTH_LABEL: Record<Health, string> = {
  healthy: 'Healthy',
  degraded: 'Degraded',
  failing: 'Failing',
  idle: 'No traffic',
  unknown: 'No metrics',
};
