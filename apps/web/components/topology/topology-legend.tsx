/** The key to the topology's colours and marks, with the thresholds they stand for. */
import { DEGRADED_FAILURE_RATE, FAILING_FAILURE_RATE } from '../../lib/health.ts';

const pct = (r: number) => `${(r * 100).toLocaleString('en', { maximumFractionDigits: 1 })}%`;

export function TopologyLegend() {
  return (
    <ul className="legend" aria-label="Legend">
      <li>
        <span className="swatch health-healthy" /> Healthy (&lt; {pct(DEGRADED_FAILURE_RATE)} failures)
      </li>
      <li>
        <span className="swatch health-degraded" /> Degraded (≥ {pct(DEGRADED_FAILURE_RATE)})
      </li>
      <li>
        <span className="swatch health-failing" /> Failing (≥ {pct(FAILING_FAILURE_RATE)})
      </li>
      <li>
        <span className="swatch health-idle" /> No traffic
      </li>
      <li>
        <span className="swatch unmeshed" /> Unmeshed
      </li>
      <li className="muted">Click: details · double-click: open · hover an edge: p95</li>
    </ul>
  );
}
