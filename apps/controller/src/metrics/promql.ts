/**
 * Every PromQL query the controller sends to a real Prometheus, built in this one module
 * from the metric names and label keys in `@weft/shared`, in the shape of Linkerd viz's
 * `stat_summary.go`:
 *
 *   sum(increase(response_total{…}[W])) by (<group>, classification)
 *   histogram_quantile(q, sum(increase(response_latency_ms_bucket{…}[W])) by (le, <group>))
 *
 * (Linkerd takes `irate` for the quantiles; Weft takes the window's `increase` so that the
 * percentiles describe the same requests as the counts; see golden.ts.)
 *
 * Per-route questions read both protocols' route families at once and group by route
 * (and backend), keeping the status labels so the outcome is classified like the
 * embedded store does (route-labels.ts):
 *
 *   sum(increase({__name__=~"outbound_(http|grpc)_route_request_statuses_total",parent_…}[W]))
 *     by (<route>, http_status, grpc_status, error)
 */
import { LabelKey, MetricName, RouteLabelKey, RouteMetricName } from '@weft/shared';
import type { Matcher } from './backend.ts';
import type { RouteFamily } from './route-labels.ts';
import type { KeptLabel } from './series-labels.ts';

/** A label value as a PromQL string literal. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** `{direction="inbound",namespace="demo",tls!="true"}` */
export function selector(direction: 'inbound' | 'outbound', match: readonly Matcher[]): string {
  const parts = [`${LabelKey.direction}=${quote(direction)}`];
  for (const m of match) parts.push(`${m.label}${m.op}${quote(m.value)}`);
  return `{${parts.join(',')}}`;
}

function byClause(labels: readonly string[]): string {
  return `by (${labels.join(', ')})`;
}

/** Responses by classification over a window of `seconds`, grouped by `by`. */
export function responsesQuery(
  direction: 'inbound' | 'outbound',
  match: readonly Matcher[],
  by: readonly KeptLabel[],
  seconds: number,
): string {
  const sel = selector(direction, match);
  return `sum(increase(${MetricName.responseTotal}${sel}[${seconds}s])) ${byClause([...by, LabelKey.classification])}`;
}

/** The q-quantile of response latency (ms) over a window of `seconds`, grouped by `by`. */
export function latencyQuantileQuery(
  q: number,
  direction: 'inbound' | 'outbound',
  match: readonly Matcher[],
  by: readonly KeptLabel[],
  seconds: number,
): string {
  const sel = selector(direction, match);
  return `histogram_quantile(${q}, sum(increase(${MetricName.responseLatencyMs}_bucket${sel}[${seconds}s])) ${byClause(['le', ...by])})`;
}

/** Response rate (per second) by classification over a trailing `rangeSeconds`: for range queries. */
export function responseRateQuery(
  direction: 'inbound' | 'outbound',
  match: readonly Matcher[],
  rangeSeconds: number,
): string {
  const sel = selector(direction, match);
  return `sum(rate(${MetricName.responseTotal}${sel}[${rangeSeconds}s])) ${byClause([LabelKey.classification])}`;
}

/** The q-quantile of latency over a trailing `rangeSeconds`: for range queries. */
export function latencyRateQuantileQuery(
  q: number,
  direction: 'inbound' | 'outbound',
  match: readonly Matcher[],
  rangeSeconds: number,
): string {
  const sel = selector(direction, match);
  return `histogram_quantile(${q}, sum(rate(${MetricName.responseLatencyMs}_bucket${sel}[${rangeSeconds}s])) by (le))`;
}

/** The quantiles the golden metrics report. */
export const QUANTILES = [0.5, 0.95, 0.99] as const;

// === Per-route families ===

/** The labels that name a route. */
export const ROUTE_BY: readonly string[] = [
  RouteLabelKey.parentPort,
  RouteLabelKey.routeKind,
  RouteLabelKey.routeNamespace,
  RouteLabelKey.routeName,
  RouteLabelKey.routeRule,
];
/** The labels that name one backend of a route. */
export const ROUTE_BACKEND_BY: readonly string[] = [
  ...ROUTE_BY,
  RouteLabelKey.backendNamespace,
  RouteLabelKey.backendName,
  RouteLabelKey.backendPort,
];

const ROUTE_FAMILY_NAMES: Record<RouteFamily, { statuses: string; duration: string }> = {
  route: {
    statuses: RouteMetricName.requestStatusesTotal,
    duration: RouteMetricName.requestDurationSeconds,
  },
  backend: {
    statuses: RouteMetricName.backendResponseStatusesTotal,
    duration: RouteMetricName.backendResponseDurationSeconds,
  },
};

/** Both protocols' `outbound_*_<name>` series of the routes whose parent is one Service. */
export function routeSelector(name: string, parent: { namespace: string; name: string }): string {
  return `{__name__=~${quote(`outbound_(http|grpc)_${name}`)},${RouteLabelKey.parentNamespace}=${quote(parent.namespace)},${RouteLabelKey.parentName}=${quote(parent.name)}}`;
}

/** Completed responses of each route (or route backend) over `seconds`, by status. */
export function routeStatusesQuery(
  family: RouteFamily,
  parent: { namespace: string; name: string },
  seconds: number,
): string {
  const sel = routeSelector(ROUTE_FAMILY_NAMES[family].statuses, parent);
  const by = family === 'route' ? ROUTE_BY : ROUTE_BACKEND_BY;
  return `sum(increase(${sel}[${seconds}s])) ${byClause([...by, RouteLabelKey.httpStatus, RouteLabelKey.grpcStatus, RouteLabelKey.error])}`;
}

/** The q-quantile of each route's (or route backend's) duration in seconds, over `seconds`. */
export function routeLatencyQuantileQuery(
  q: number,
  family: RouteFamily,
  parent: { namespace: string; name: string },
  seconds: number,
): string {
  const sel = routeSelector(`${ROUTE_FAMILY_NAMES[family].duration}_bucket`, parent);
  const by = family === 'route' ? ROUTE_BY : ROUTE_BACKEND_BY;
  return `histogram_quantile(${q}, sum(increase(${sel}[${seconds}s])) ${byClause(['le', ...by])})`;
}

/** Each route's completed responses per second over a trailing `rangeSeconds`: for range queries. */
export function routeRateQuery(parent: { namespace: string; name: string }, rangeSeconds: number): string {
  const sel = routeSelector(ROUTE_FAMILY_NAMES.route.statuses, parent);
  return `sum(rate(${sel}[${rangeSeconds}s])) ${byClause(ROUTE_BY)}`;
}
