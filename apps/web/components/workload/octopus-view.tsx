/**
 * The octopus view, as in Linkerd's: the workload in the middle, its callers on the
 * left and its callees on the right, each arm labelled with the edge's rps, success
 * rate and p95, coloured by health.
 */
import { type Edge, type GoldenMetrics, type TimeWindow, UNKNOWN_SOURCE } from '@weft/shared';
import Link from 'next/link';
import { formatLatency, formatPercent, formatRps } from '../../lib/format.ts';
import { healthOf } from '../../lib/health.ts';
import { withWindow } from '../../lib/time-window.ts';
import { HealthMark } from '../health-mark.tsx';
import { MtlsIcon, mtlsDescription, mtlsLabel } from '../mtls-state.tsx';

interface Arm {
  namespace: string;
  name: string;
  metrics: GoldenMetrics;
  securedShare: number;
  unmeshed: boolean;
  /** A caller neither side could name (no workload page to link to). */
  unknown: boolean;
}

function ArmCard({ arm, side, window }: { arm: Arm; side: 'in' | 'out'; window: TimeWindow }) {
  const health = healthOf(arm.metrics);
  return (
    <li className={`octopus-arm ${side} health-${health}`}>
      <div className="octopus-arm-card">
        {arm.unknown ? (
          <span>unknown caller</span>
        ) : (
          <Link href={withWindow(`/workloads/${arm.namespace}/${arm.name}`, window)}>
            <span className="small">{arm.namespace}/</span>
            {arm.name}
          </Link>
        )}
        {arm.unmeshed && <span className="badge badge-muted">unmeshed</span>}
      </div>
      <div className="octopus-edge">
        <span className="octopus-edge-metrics">
          {arm.securedShare > 0 && (
            <span className="octopus-mtls" title={mtlsDescription(arm.securedShare)}>
              <MtlsIcon securedShare={arm.securedShare} />
              {arm.securedShare < 1 ? (
                ` ${mtlsLabel(arm.securedShare)} · `
              ) : (
                <span className="sr-only">mTLS </span>
              )}
            </span>
          )}{' '}
          {formatRps(arm.metrics.rps)} rps ·{' '}
          <HealthMark health={health}>{formatPercent(arm.metrics.successRate)}</HealthMark> · p95{' '}
          {formatLatency(arm.metrics.latencyP95Ms)}
        </span>
        <span className="octopus-line" />
      </div>
    </li>
  );
}

export interface OctopusViewProps {
  namespace: string;
  name: string;
  metrics: GoldenMetrics | null;
  edges: Edge[];
  window: TimeWindow;
}

export function OctopusView({ namespace, name, metrics, edges, window }: OctopusViewProps) {
  const callers: Arm[] = [];
  const callees: Arm[] = [];
  for (const e of edges) {
    if (e.destination.namespace === namespace && e.destination.name === name) {
      callers.push({
        ...e.source,
        metrics: e.metrics,
        securedShare: e.securedShare,
        unmeshed: e.sourceUnmeshed,
        unknown: e.source.name === UNKNOWN_SOURCE,
      });
    } else if (e.source.namespace === namespace && e.source.name === name) {
      callees.push({
        ...e.destination,
        metrics: e.metrics,
        securedShare: e.securedShare,
        unmeshed: false,
        unknown: false,
      });
    }
  }
  const center = healthOf(metrics);
  return (
    <div className="octopus">
      <ul className="octopus-side" aria-label="Callers">
        {callers.length === 0 && <li className="muted small octopus-none">No callers seen</li>}
        {callers.map((a) => (
          <ArmCard key={`${a.namespace}/${a.name}`} arm={a} side="in" window={window} />
        ))}
      </ul>
      <div className={`octopus-center health-${center}`}>
        <div className="small">{namespace}</div>
        <div className="octopus-center-name">{name}</div>
        {metrics && (
          <div className="small">
            {formatRps(metrics.rps)} rps · {formatPercent(metrics.successRate)}
          </div>
        )}
      </div>
      <ul className="octopus-side" aria-label="Callees">
        {callees.length === 0 && <li className="muted small octopus-none">No callees seen</li>}
        {callees.map((a) => (
          <ArmCard key={`${a.namespace}/${a.name}`} arm={a} side="out" window={window} />
        ))}
      </ul>
    </div>
  );
}
