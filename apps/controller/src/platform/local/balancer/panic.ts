/**
 * The balancer's panic threshold (as in Envoy): when fewer than half of a service's
 * running pods pass their readiness probe, probes are more likely starved than the pods
 * broken, so the balancer sends traffic to all of them rather than to a few or to none.
 */

/** Below this share of ready pods, the balancer uses every running pod. */
export const PANIC_THRESHOLD = 0.5;

/** The backends to use: the ready ones, or every running one when too few are ready. */
export function backendsWithPanic<T>(ready: T[], running: T[]): T[] {
  if (running.length === 0) return ready;
  return ready.length < running.length * PANIC_THRESHOLD ? running : ready;
}
