/**
 * One rule's golden metrics on one line, from the proxies' per-route metrics: requests per
 * second with a small trend, success rate, p50/p95/p99 of the whole request (retries
 * included). Says so when the rule saw no request in the window, and stays quiet while
 * the numbers load.
 */
import type { RouteMetricsRow, TimeWindow } from '@weft/shared';
import { formatLatency, formatPercent, formatRps } from '../../lib/format.ts';
import { healthOf } from '../../lib/health.ts';
import { RpsTrend } from './rps-trend.tsx';

export function RuleTraffic({
  label,
  row,
  loaded,
  window,
}: {
  /** What the numbers are of, for assistive technology ("rule 1 of HTTPRoute x"). */
  label: string;
  row: RouteMetricsRow | undefined;
  /** False while the per-route numbers have not arrived (or are unavailable). */
  loaded: boolean;
  window: TimeWindow;
}) {
  if (!loaded) return null;
  if (row === undefined)
    return <p className="small muted rule-traffic">No traffic on this rule in the last {window}.</p>;
  const m = row.metrics;
  return (
    <dl className="rule-traffic small" aria-label={`Traffic of ${label}`}>
      <div>
        <dt>RPS</dt>
        <dd>
          {formatRps(m.rps)} <RpsTrend points={row.rpsTrend} />
        </dd>
      </div>
      <div>
        <dt>Success</dt>
        <dd className={`health-text-${healthOf(m)}`}>{formatPercent(m.successRate)}</dd>
      </div>
      <div>
        <dt>P50</dt>
        <dd>{formatLatency(m.latencyP50Ms)}</dd>
      </div>
      <div>
        <dt>P95</dt>
        <dd>{formatLatency(m.latencyP95Ms)}</dd>
      </div>
      <div>
        <dt>P99</dt>
        <dd>{formatLatency(m.latencyP99Ms)}</dd>
      </div>
    </dl>
  );
}
