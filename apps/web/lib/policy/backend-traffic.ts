/**
 * The traffic each backend of a route receives, from the dashboard's own metrics: the
 * workloads a backend Service selects, and the requests per second on the topology's
 * edges into them over the window.
 */
import { type Edge, type Service, serviceSelects, type Workload } from '@weft/shared';

export interface BackendTraffic {
  rps: number;
  /** Successes / answers over the edges, null without traffic. */
  successRate: number | null;
}

/** The workloads of `namespace` that Service `name` selects. */
export function selectedWorkloads(
  services: readonly Service[],
  workloads: readonly Workload[],
  namespace: string,
  name: string,
): Workload[] {
  const svc = services.find((s) => s.namespace === namespace && s.name === name);
  if (!svc) return [];
  return workloads.filter((w) => w.namespace === namespace && serviceSelects(svc.selector, w.labels));
}

/** Requests per second into the workloads of Service `namespace/name`, summed over every caller. */
export function backendTraffic(
  services: readonly Service[],
  workloads: readonly Workload[],
  edges: readonly Edge[],
  namespace: string,
  name: string,
): BackendTraffic {
  const targets = new Set(selectedWorkloads(services, workloads, namespace, name).map((w) => w.name));
  let rps = 0;
  let requests = 0;
  let failures = 0;
  for (const e of edges) {
    if (e.destination.namespace !== namespace || !targets.has(e.destination.name)) continue;
    rps += e.metrics.rps;
    requests += e.metrics.requests;
    failures += e.metrics.failures;
  }
  return { rps, successRate: requests > 0 ? (requests - failures) / requests : null };
}
