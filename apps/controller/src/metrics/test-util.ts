/**
 * Test helpers: a proxy's `/metrics` text from plain counters, written in Linkerd's names,
 * so store and backend tests can drive ingest with what a proxy would really serve.
 */
import { LATENCY_BUCKETS_MS } from '@weft/shared';

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
