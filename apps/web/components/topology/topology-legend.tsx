/** The key to the topology's colours and marks, with the thresholds they stand for. */
import { Lock, LockOpen } from 'lucide-react';
import { DEGRADED_FAILURE_RATE, FAILING_FAILURE_RATE } from '../../lib/health.ts';
import { HealthIcon } from '../health-mark.tsx';

const pct = (r: number) => `${(r * 100).toLocaleString('en', { maximumFractionDigits: 1 })}%`;

export function TopologyLegend() {
  return (
    <ul className="legend" aria-label="Legend">
      <li>
        <span className="swatch health-healthy" /> <HealthIcon health="healthy" /> Healthy (&lt;{' '}
        {pct(DEGRADED_FAILURE_RATE)} failures)
      </li>
      <li>
        <span className="swatch health-degraded" /> <HealthIcon health="degraded" /> Degraded (≥{' '}
        {pct(DEGRADED_FAILURE_RATE)})
      </li>
      <li>
        <span className="swatch health-failing" /> <HealthIcon health="failing" /> Failing (≥{' '}
        {pct(FAILING_FAILURE_RATE)})
      </li>
      <li>
        <span className="swatch health-idle" /> No traffic
      </li>
      <li>
        <span className="swatch unmeshed" /> Unmeshed
      </li>
      <li>
        <Lock size={13} aria-hidden="true" /> mTLS
      </li>
      <li>
        <LockOpen size={13} aria-hidden="true" /> mTLS on part of the requests
      </li>
      <li className="muted">
        Click or Enter: details · double-click: open · hover an edge: p95 · with many edges, hover or select a
        workload to label its calls · unknown callers sit outside every namespace
      </li>
    </ul>
  );
}
