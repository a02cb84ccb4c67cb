/** Golden metrics as five table cells, in the column order of `GOLDEN_HEADERS`. */
import type { GoldenMetrics } from '@weft/shared';
import { formatLatency, formatPercent, formatRps } from '../lib/format.ts';
import { healthOf } from '../lib/health.ts';
import { HealthMark } from './health-mark.tsx';

export const GOLDEN_HEADERS = ['Success', 'RPS', 'P50', 'P95', 'P99'] as const;

export function GoldenMetricsCells({ metrics }: { metrics: GoldenMetrics | null | undefined }) {
  const m = metrics ?? null;
  const health = healthOf(m);
  return (
    <>
      <td className={`num health-text-${health}`}>
        <HealthMark health={health}>{formatPercent(m?.successRate)}</HealthMark>
      </td>
      <td className="num">{formatRps(m?.rps)}</td>
      <td className="num">{formatLatency(m?.latencyP50Ms)}</td>
      <td className="num">{formatLatency(m?.latencyP95Ms)}</td>
      <td className="num">{formatLatency(m?.latencyP99Ms)}</td>
    </>
  );
}
