/** Golden metrics as a compact labelled list: success rate, rps, p50/p95/p99. */
import type { GoldenMetrics } from '@weft/shared';
import { formatLatency, formatPercent, formatRps } from '../lib/format.ts';
import { healthOf } from '../lib/health.ts';
import { HealthMark } from './health-mark.tsx';

export function GoldenMetricsList({ metrics }: { metrics: GoldenMetrics }) {
  const health = healthOf(metrics);
  return (
    <dl className="metric-list">
      <div>
        <dt>Success</dt>
        <dd className={`health-text-${health}`}>
          <HealthMark health={health} showWord>
            {formatPercent(metrics.successRate)}
          </HealthMark>
        </dd>
      </div>
      <div>
        <dt>RPS</dt>
        <dd>{formatRps(metrics.rps)}</dd>
      </div>
      <div>
        <dt>P50</dt>
        <dd>{formatLatency(metrics.latencyP50Ms)}</dd>
      </div>
      <div>
        <dt>P95</dt>
        <dd>{formatLatency(metrics.latencyP95Ms)}</dd>
      </div>
      <div>
        <dt>P99</dt>
        <dd>{formatLatency(metrics.latencyP99Ms)}</dd>
      </div>
    </dl>
  );
}
