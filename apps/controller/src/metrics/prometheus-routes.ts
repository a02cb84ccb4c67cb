/**
 * Per-route golden metrics from a real Prometheus: the PromQL of promql.ts for both
 * families (routes and their backends), classified and shaped like the embedded store's
 * answer (see embedded-routes.ts).
 */
import type { RouteMetricsRow } from '@weft/shared';
import type { RouteQuery } from './backend.ts';
import { emptyGolden, goldenFrom } from './golden.ts';
import type { PrometheusClient } from './prometheus-client.ts';
import {
  QUANTILES,
  ROUTE_BACKEND_BY,
  ROUTE_BY,
  routeLatencyQuantileQuery,
  routeRateQuery,
  routeStatusesQuery,
} from './promql.ts';
import { type RouteFamily, routeOutcomeFailed } from './route-labels.ts';
import { RouteRows } from './route-rows.ts';

interface Acc {
  labels: Record<string, string>;
  success: number;
  failure: number;
  q: Array<number | null>;
}

const FAMILIES: readonly RouteFamily[] = ['route', 'backend'];

function finiteOrNull(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

/** Answers `q` from Prometheus (see backend.ts `routes`). */
export async function prometheusRoutes(
  client: PrometheusClient,
  q: RouteQuery,
  scrapeIntervalSeconds: number,
): Promise<RouteMetricsRow[]> {
  const at = q.atMs ?? Date.now();
  const seconds = Math.round(q.seconds);
  const points = Math.max(1, q.trendPoints);
  const step = Math.max(1, Math.round(seconds / points));
  const start = at - (points - 1) * step * 1000;
  const range = Math.ceil(Math.max(step, 4 * scrapeIntervalSeconds));
  const [answers, trend] = await Promise.all([
    Promise.all(
      FAMILIES.map((f) =>
        Promise.all([
          client.query(routeStatusesQuery(f, q.parent, seconds), at),
          ...QUANTILES.map((x) => client.query(routeLatencyQuantileQuery(x, f, q.parent, seconds), at)),
        ]),
      ),
    ),
    client.queryRange(routeRateQuery(q.parent, range), start, at, step),
  ]);
  const rows = new RouteRows(points, emptyGolden);
  FAMILIES.forEach((family, fi) => {
    const [counts, ...quantiles] = answers[fi] ?? [];
    const by = family === 'route' ? ROUTE_BY : ROUTE_BACKEND_BY;
    const key = (m: Record<string, string>) => by.map((b) => m[b] ?? '').join('\u001f');
    const accs = new Map<string, Acc>();
    for (const s of counts ?? []) {
      if (!Number.isFinite(s.value) || s.value <= 0) continue;
      const k = key(s.metric);
      let acc = accs.get(k);
      if (acc === undefined) {
        acc = { labels: s.metric, success: 0, failure: 0, q: [null, null, null] };
        accs.set(k, acc);
      }
      if (routeOutcomeFailed(s.metric)) acc.failure += s.value;
      else acc.success += s.value;
    }
    quantiles.forEach((samples, i) => {
      for (const s of samples) {
        const acc = accs.get(key(s.metric));
        const v = finiteOrNull(s.value);
        if (acc !== undefined) acc.q[i] = v === null ? null : v * 1000;
      }
    });
    for (const acc of accs.values()) {
      const [p50, p95, p99] = acc.q;
      const metrics = goldenFrom(acc.success, acc.failure, [], q.seconds, {
        p50: p50 ?? null,
        p95: p95 ?? null,
        p99: p99 ?? null,
      });
      if (family === 'route') rows.route(acc.labels, metrics);
      else rows.backend(acc.labels, metrics);
    }
  });
  for (const s of trend ?? []) {
    for (const { t, v } of s.values) rows.trend(s.metric, Math.round((t - start) / (step * 1000)), v);
  }
  return rows.result();
}
