/**
 * Test helpers: a proxy's `/metrics` text from plain counters, written in Linkerd's names,
 * so store and backend tests can drive ingest with what a proxy would really serve.
 */
import { LATENCY_BUCKETS_MS, ROUTE_REQUEST_BUCKETS_S, ROUTE_RESPONSE_BUCKETS_S } from '@weft/shared';

/** One label set's counters, as a proxy accumulates them. */
export interface FakeCounters {
  labels: Record<string, string>;
  success: number;
  failure: number;
  /** Latencies observed so far (milliseconds); turned into cumulative buckets. */
  latenciesMs: number[];
}

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
    .join(',');
}

/** Exposition text for `counters` (and a process start time when given). */
export function exposition(counters: readonly FakeCounters[], processStart?: number): string {
  const lines: string[] = ['# TYPE response_total counter'];
  for (const c of counters) {
    const l = labelText(c.labels);
    lines.push(`response_total{${l},classification="success",status_code="200"} ${c.success}`);
    lines.push(`response_total{${l},classification="failure",status_code="500"} ${c.failure}`);
  }
  lines.push('# TYPE response_latency_ms histogram');
  for (const c of counters) {
    const l = labelText(c.labels);
    for (const le of LATENCY_BUCKETS_MS) {
      const n = c.latenciesMs.filter((x) => x <= le).length;
      lines.push(`response_latency_ms_bucket{${l},le="${le}"} ${n}`);
    }
    lines.push(`response_latency_ms_bucket{${l},le="+Inf"} ${c.latenciesMs.length}`);
    lines.push(`response_latency_ms_count{${l}} ${c.latenciesMs.length}`);
  }
  if (processStart !== undefined) lines.push(`process_start_time_seconds ${processStart}`);
  lines.push('tcp_open_total{direction="inbound"} 4');
  return `${lines.join('\n')}\n`;
}

/** One route's (or route backend's) counters, as a proxy accumulates them. */
export interface FakeRouteCounters {
  /** `outbound_<protocol>_route_*`. */
  protocol: 'http' | 'grpc';
  /** `parent_*`, `route_*` (and `backend_*` for a backend) labels. */
  labels: Record<string, string>;
  /** Completed responses by status label set (`http_status`, `grpc_status`, `error`). */
  statuses: { labels: Record<string, string>; n: number }[];
  /** Durations observed so far (seconds). */
  durationsS: number[];
}

/** Exposition text of route counters in linkerd2-proxy's per-route families and buckets. */
export function routeExposition(
  routes: readonly FakeRouteCounters[],
  backends: readonly FakeRouteCounters[],
): string {
  const lines: string[] = [];
  const family = (c: FakeRouteCounters, backend: boolean) => {
    const p = `outbound_${c.protocol}_route_`;
    const statuses = backend ? `${p}backend_response_statuses_total` : `${p}request_statuses_total`;
    const duration = backend ? `${p}backend_response_duration_seconds` : `${p}request_duration_seconds`;
    const bounds = backend ? ROUTE_RESPONSE_BUCKETS_S : ROUTE_REQUEST_BUCKETS_S;
    const l = labelText(c.labels);
    for (const s of c.statuses) lines.push(`${statuses}{${l},${labelText(s.labels)}} ${s.n}`);
    for (const le of bounds) {
      const n = c.durationsS.filter((x) => x <= le).length;
      lines.push(`${duration}_bucket{${l},le="${le}"} ${n}`);
    }
    lines.push(`${duration}_bucket{${l},le="+Inf"} ${c.durationsS.length}`);
    lines.push(`${duration}_count{${l}} ${c.durationsS.length}`);
  };
  for (const r of routes) family(r, false);
  for (const b of backends) family(b, true);
  return `${lines.join('\n')}\n`;
}
