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
 */
import { LabelKey, MetricName } from '@weft/shared';
import type { Matcher } from './backend.ts';
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
