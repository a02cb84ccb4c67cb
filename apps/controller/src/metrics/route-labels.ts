/**
 * What the embedded store keeps of the per-route families (`outbound_{http,grpc}_route_*`):
 * the route (parent Service port, route document, rule) and, for backend families, the
 * backend Service port. The caller's own labels (namespace, pod) and the status are
 * summed away at ingest, so a route's groups number at most 2 + its backends, whatever
 * the number of callers. Each group's numbers are success, failure, then the family's
 * latency buckets (route request durations or backend response durations).
 */
import {
  ROUTE_REQUEST_BUCKETS_S,
  ROUTE_RESPONSE_BUCKETS_S,
  RouteLabelKey,
  RouteMetricName,
  routeMetricName,
} from '@weft/shared';
import type { ExpositionSample } from './exposition.ts';
import { parseLe } from './exposition.ts';
import type { SeriesSchema } from './store.ts';

/** `route`: the route as a whole; `backend`: one backend of a route. */
export type RouteFamily = 'route' | 'backend';

/** The label keys a stored route group keeps, in key order (`family` is the store's own). */
export const ROUTE_KEPT_LABELS = [
  'family',
  RouteLabelKey.parentNamespace,
  RouteLabelKey.parentName,
  RouteLabelKey.parentPort,
  RouteLabelKey.routeKind,
  RouteLabelKey.routeNamespace,
  RouteLabelKey.routeName,
  RouteLabelKey.routeRule,
  RouteLabelKey.backendNamespace,
  RouteLabelKey.backendName,
  RouteLabelKey.backendPort,
] as const;

export type RouteKeptLabel = (typeof ROUTE_KEPT_LABELS)[number];

/** A stored route group's labels; absent labels are "". */
export type RouteGroupLabels = Readonly<Record<RouteKeptLabel, string>>;

/** Column of successful responses. */
export const ROUTE_COL_SUCCESS = 0;
/** Column of failed responses. */
export const ROUTE_COL_FAILURE = 1;
/** First latency bucket column; the family's bounds follow, then `+Inf`. */
export const ROUTE_COL_BUCKET0 = 2;

/** Latency bucket bounds in seconds, `+Inf` last, per family. */
export const ROUTE_BOUNDS_S: Record<RouteFamily, readonly number[]> = {
  route: [...ROUTE_REQUEST_BUCKETS_S, Number.POSITIVE_INFINITY],
  backend: [...ROUTE_RESPONSE_BUCKETS_S, Number.POSITIVE_INFINITY],
};

/** Numbers stored per route group per tick. */
export const ROUTE_WIDTH =
  ROUTE_COL_BUCKET0 + Math.max(ROUTE_BOUNDS_S.route.length, ROUTE_BOUNDS_S.backend.length);

const PROTOCOLS = ['http', 'grpc'] as const;

/** Which family and column each ingested name feeds. */
const NAME_ROLE = new Map<string, { family: RouteFamily; histogram: boolean }>();
for (const p of PROTOCOLS) {
  NAME_ROLE.set(routeMetricName(p, RouteMetricName.requestStatusesTotal), {
    family: 'route',
    histogram: false,
  });
  NAME_ROLE.set(`${routeMetricName(p, RouteMetricName.requestDurationSeconds)}_bucket`, {
    family: 'route',
    histogram: true,
  });
  NAME_ROLE.set(routeMetricName(p, RouteMetricName.backendResponseStatusesTotal), {
    family: 'backend',
    histogram: false,
  });
  NAME_ROLE.set(`${routeMetricName(p, RouteMetricName.backendResponseDurationSeconds)}_bucket`, {
    family: 'backend',
    histogram: true,
  });
}

const BUCKET_COLUMN: Record<RouteFamily, Map<number, number>> = {
  route: new Map(ROUTE_BOUNDS_S.route.map((le, i) => [le, ROUTE_COL_BUCKET0 + i])),
  backend: new Map(ROUTE_BOUNDS_S.backend.map((le, i) => [le, ROUTE_COL_BUCKET0 + i])),
};

/**
 * Whether a completed route or backend response failed, from its status labels, as
 * linkerd2-proxy classifies them: an `error`, an HTTP 5xx, or a gRPC status other than OK.
 */
export function routeOutcomeFailed(labels: Readonly<Record<string, string | undefined>>): boolean {
  if (labels[RouteLabelKey.error]) return true;
  const grpc = labels[RouteLabelKey.grpcStatus];
  if (grpc) return grpc !== 'OK';
  const http = Number(labels[RouteLabelKey.httpStatus] ?? '');
  return http >= 500;
}

function routeLabels(s: ExpositionSample, family: RouteFamily): RouteGroupLabels {
  const out = { family } as Record<RouteKeptLabel, string>;
  for (const k of ROUTE_KEPT_LABELS) if (k !== 'family') out[k] = s.labels[k] ?? '';
  return out;
}

function routeKey(l: RouteGroupLabels): string {
  let s = '';
  for (const k of ROUTE_KEPT_LABELS) s += `${l[k]}\u001f`;
  return s;
}

/** The names the route store ingests (and the process start time, to see restarts). */
export const ROUTE_INGESTED_NAMES: ReadonlySet<string> = new Set([
  ...NAME_ROLE.keys(),
  'process_start_time_seconds',
]);

/** The store schema of the per-route families. */
export const ROUTE_SCHEMA: SeriesSchema<RouteGroupLabels> = {
  names: ROUTE_INGESTED_NAMES,
  width: ROUTE_WIDTH,
  describe(s) {
    const role = NAME_ROLE.get(s.name);
    if (role === undefined) return undefined;
    let col: number;
    if (role.histogram) {
      const le = s.labels.le;
      col = le === undefined ? -1 : (BUCKET_COLUMN[role.family].get(parseLe(le)) ?? -1);
    } else col = routeOutcomeFailed(s.labels) ? ROUTE_COL_FAILURE : ROUTE_COL_SUCCESS;
    const labels = routeLabels(s, role.family);
    return { col, labels, key: routeKey(labels) };
  },
};
