/**
 * The balancer's panic threshold (as in Envoy): when fewer than half of a service's
 * running pods pass their readiness probe, probes are more likely starved than the pods
 * broken, so the balancer sends traffic to all of them rather than to a few or to none.
 * Only pods that have been ready since their processes started count: a starting pod may
 * not listen yet (at start-up or in a rollout), and connections to it would be refused.
 */

/** Below this share of ready pods, the balancer uses every running pod. */
export const PANIC_THRESHOLD = 0.5;

/** The backends to use: the ready ones, or every running one when too few are ready. */
export function backendsWithPanic<T>(ready: T[], running: T[]): T[] {
  if (running.length === 0) return ready;
  return ready.length < running.length * PANIC_THRESHOLD ? running : ready;
}

/** A pod as the panic threshold sees it. */
export interface PanicCandidate {
  /** Passes its readiness probe now. */
  ready: boolean;
  /** Its processes run. */
  running: boolean;
  /** Has passed its readiness probe since its processes last started. */
  readySinceStart: boolean;
}

/** The backends among `pods`: the ready ones, or, past the threshold, every running pod that was ready since it started. */
export function panicBackends<T extends PanicCandidate>(pods: T[]): T[] {
  return backendsWithPanic(
    pods.filter((p) => p.ready),
    pods.filter((p) => p.running && p.readySinceStart),
  );
}
