/**
 * The one question set every metrics backend answers: golden metrics of the responses a
 * set of proxies counted, grouped by some of their labels, over a window ending at a
 * time; and the same as a time series at a step. The embedded store and a real
 * Prometheus both implement it, so the API cannot tell them apart.
 */
import type { GoldenMetrics, GoldenPoint, RouteMetricsRow } from '@weft/shared';
import type { KeptLabel } from './series-labels.ts';

/** A label matcher: `label="value"` or `label!="value"` (absent labels are ""). */
export interface Matcher {
  label: KeptLabel;
  op: '=' | '!=';
  value: string;
}

/** Which responses, grouped how, over which window. */
export interface GoldenQuery {
  /** Responses counted by the server side (`inbound`) or the client side (`outbound`). */
  direction: 'inbound' | 'outbound';
  match: readonly Matcher[];
  /** Labels to group by; none for one total row. */
  by: readonly KeptLabel[];
  /** Window length in seconds. */
  seconds: number;
  /** End of the window (ms since epoch); default: the latest data. */
  atMs?: number;
  /** Whether latency quantiles are wanted (false saves work; they come back null). */
  quantiles?: boolean;
}

/** One group's answer. */
export interface GoldenRow {
  /** The `by` labels' values. */
  labels: Partial<Record<KeptLabel, string>>;
  metrics: GoldenMetrics;
}

/** A time series: points every `stepSeconds`, the last at the window's end. */
export interface SeriesQuery {
  direction: 'inbound' | 'outbound';
  match: readonly Matcher[];
  seconds: number;
  stepSeconds: number;
  atMs?: number;
}

/** Per-route golden metrics of the routes whose parent is one Service, over a window. */
export interface RouteQuery {
  /** The parent Service. */
  parent: { namespace: string; name: string };
  /** Window length in seconds. */
  seconds: number;
  /** End of the window (ms since epoch); default: the latest data. */
  atMs?: number;
  /** Points of each route's rps trend across the window. */
  trendPoints: number;
}

export interface MetricsBackend {
  readonly kind: 'embedded' | 'prometheus';
  /** Golden metrics per group; groups without any response in the window are left out. */
  golden(q: GoldenQuery): Promise<GoldenRow[]>;
  /** Points oldest first; each covers (timestamp − step, timestamp]. */
  series(q: SeriesQuery): Promise<GoldenPoint[]>;
  /** Every route of the parent with a response in the window; backends likewise. */
  routes(q: RouteQuery): Promise<RouteMetricsRow[]>;
}

/** True when `labels` satisfy every matcher. */
export function matches(labels: Readonly<Record<KeptLabel, string>>, match: readonly Matcher[]): boolean {
  for (const m of match) {
    const v = labels[m.label];
    if (m.op === '=' ? v !== m.value : v === m.value) return false;
  }
  return true;
}
