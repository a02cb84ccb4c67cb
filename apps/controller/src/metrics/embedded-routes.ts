/**
 * Per-route golden metrics from the embedded route store: window sums of each route's
 * and each backend's groups, turned into golden metrics with the family's own latency
 * buckets, and each route's request rate in equal steps across the window.
 */
import type { GoldenMetrics, RouteMetricsRow } from '@weft/shared';
import type { RouteQuery } from './backend.ts';
import { emptyGolden, goldenFrom } from './golden.ts';
import {
  ROUTE_BOUNDS_S,
  ROUTE_COL_BUCKET0,
  ROUTE_COL_FAILURE,
  ROUTE_COL_SUCCESS,
  type RouteFamily,
  type RouteGroupLabels,
} from './route-labels.ts';
import { RouteRows } from './route-rows.ts';
import type { MetricsStore } from './store.ts';

/** Golden metrics of one route group's window sums over `seconds`. */
export function goldenOfRouteSums(sums: Float64Array, family: RouteFamily, seconds: number): GoldenMetrics {
  const buckets = ROUTE_BOUNDS_S[family].map((le, i) => ({
    le: le * 1000,
    count: sums[ROUTE_COL_BUCKET0 + i] ?? 0,
  }));
  return goldenFrom(sums[ROUTE_COL_SUCCESS] ?? 0, sums[ROUTE_COL_FAILURE] ?? 0, buckets, seconds);
}

/** The group key without the family: one per (route, backend). */
function routeBackendKey(l: RouteGroupLabels): string {
  return `${l.family}\u001f${l.parent_port}\u001f${l.route_kind}\u001f${l.route_namespace}\u001f${l.route_name}\u001f${l.route_rule}\u001f${l.backend_namespace}\u001f${l.backend_name}\u001f${l.backend_port}`;
}

/** Answers `q` from `store` (see backend.ts `routes`). */
export function embeddedRoutes(store: MetricsStore<RouteGroupLabels>, q: RouteQuery): RouteMetricsRow[] {
  const latest = store.currentTick;
  const at = q.atMs ?? (latest < 0 ? undefined : store.timeOf(latest));
  if (at === undefined) return [];
  const { namespace, name } = q.parent;
  const match = (l: RouteGroupLabels) => l.parent_name === name && l.parent_namespace === namespace;
  const rows = new RouteRows(q.trendPoints, emptyGolden);
  const windowMs = q.seconds * 1000;
  const sums = store.sumBy(store.ticksBetween(at - windowMs, at), match, routeBackendKey);
  for (const { labels, sums: s } of sums.values()) {
    const metrics = goldenOfRouteSums(s, labels.family as RouteFamily, q.seconds);
    if (labels.family === 'route') rows.route(labels, metrics);
    else rows.backend(labels, metrics);
  }
  // The trend: the same sums over each step of the window, route groups only.
  const stepMs = windowMs / Math.max(1, q.trendPoints);
  const onlyRoutes = (l: RouteGroupLabels) => l.family === 'route' && match(l);
  for (let i = 0; i < q.trendPoints; i++) {
    const from = at - windowMs + i * stepMs;
    const part = store.sumBy(store.ticksBetween(from, from + stepMs), onlyRoutes, routeBackendKey);
    for (const { labels, sums: s } of part.values()) {
      const n = (s[ROUTE_COL_SUCCESS] ?? 0) + (s[ROUTE_COL_FAILURE] ?? 0);
      rows.trend(labels, i, n / (stepMs / 1000));
    }
  }
  return rows.result();
}
