/**
 * The per-route golden metrics (`metrics.routes`) of one rule of a route document: the
 * rows the proxies counted for it, summed over the parent Service's ports when the route
 * attaches to several (latency from the busiest port's row).
 */
import type { GoldenMetrics, RouteBackendMetrics, RouteMetricsRow } from '@weft/shared';

/** Which rule: its route document and the rule's index in it. */
export interface RuleRef {
  kind: string;
  namespace: string;
  name: string;
  rule: number;
}

function add(a: GoldenMetrics, b: GoldenMetrics): GoldenMetrics {
  const busiest = b.requests > a.requests ? b : a;
  const requests = a.requests + b.requests;
  const failures = a.failures + b.failures;
  return {
    ...busiest,
    requests,
    failures,
    rps: a.rps + b.rps,
    successRate: requests > 0 ? (requests - failures) / requests : null,
  };
}

/** The rule's metrics, or undefined when no proxy counted a request for it in the window. */
export function ruleMetrics(rows: readonly RouteMetricsRow[], ref: RuleRef): RouteMetricsRow | undefined {
  let out: RouteMetricsRow | undefined;
  for (const r of rows) {
    const k = r.route;
    if (k.kind !== ref.kind || k.name !== ref.name || k.namespace !== ref.namespace) continue;
    if ((k.rule ?? 0) !== ref.rule) continue;
    if (out === undefined) {
      out = { ...r, backends: [...r.backends], rpsTrend: [...r.rpsTrend] };
      continue;
    }
    out.metrics = add(out.metrics, r.metrics);
    out.rpsTrend = out.rpsTrend.map((v, i) => v + (r.rpsTrend[i] ?? 0));
    for (const b of r.backends) {
      const same = out.backends.findIndex(
        (x) => x.backend.namespace === b.backend.namespace && x.backend.name === b.backend.name,
      );
      const prev = out.backends[same];
      if (prev === undefined) out.backends.push(b);
      else out.backends[same] = { backend: prev.backend, metrics: add(prev.metrics, b.metrics) };
    }
  }
  return out;
}

/** What a rule sent one backend (`namespace/name`), if anything. */
export function backendOfRule(
  row: RouteMetricsRow | undefined,
  namespace: string,
  name: string,
): RouteBackendMetrics | undefined {
  return row?.backends.find((b) => b.backend.namespace === namespace && b.backend.name === name);
}
