'use client';
/**
 * A call between two workloads: coloured by health, thicker with more traffic, labelled
 * with rps and success rate when zoomed in (or highlighted), with p95 on hover. Labels
 * are the costly part at a thousand edges, so a dense graph labels only the edges of
 * the hovered or selected workload.
 */
import { type Edge, EdgeLabelRenderer, type EdgeProps, getBezierPath } from '@xyflow/react';
import { memo } from 'react';
import { formatLatency, formatPercent, formatRps } from '../../lib/format.ts';
import type { Health } from '../../lib/health.ts';
import { strokeWidth } from '../../lib/topology/edge-curves.ts';
import { HealthIcon } from '../health-mark.tsx';
import { MtlsIcon, mtlsDescription, mtlsLabel } from '../mtls-state.tsx';

export interface TrafficEdgeData extends Record<string, unknown> {
  rps: number;
  successRate: number | null;
  p95Ms: number | null;
  health: Health;
  /** Share of the edge's requests that were mTLS, 0..1. */
  securedShare: number;
  /** Touches the hovered or selected workload. */
  highlighted: boolean;
  dimmed: boolean;
  /** Few enough edges, zoomed in close enough to read: every edge shows its label. */
  labelled: boolean;
}

export type TrafficFlowEdge = Edge<TrafficEdgeData, 'traffic'>;

function TrafficEdgeView(props: EdgeProps<TrafficFlowEdge>) {
  const { data, markerEnd } = props;
  const [path, labelX, labelY] = getBezierPath(props);
  if (!data) return null;
  const summary = `${formatRps(data.rps)} rps · ${formatPercent(data.successRate)}`;
  const partial = data.securedShare > 0 && data.securedShare < 1;
  const hover = `${summary} · p95 ${formatLatency(data.p95Ms)}${data.securedShare > 0 ? ` · ${mtlsDescription(data.securedShare)}` : ''}`;
  // Labels are mounted only when they can be read (a sparse graph zoomed in), or for the
  // highlighted workload's edges.
  const showLabel = data.highlighted || (data.labelled && !data.dimmed);
  const cls = `topo-edge health-${data.health}${data.highlighted ? ' highlighted' : ''}${data.dimmed ? ' dimmed' : ''}`;
  return (
    <>
      <g className={cls}>
        <title>{hover}</title>
        <path
          className="react-flow__edge-path"
          d={path}
          markerEnd={markerEnd}
          style={{ strokeWidth: strokeWidth(data.rps) }}
          fill="none"
        />
        <path
          className="react-flow__edge-interaction"
          d={path}
          fill="none"
          strokeOpacity={0}
          strokeWidth={14}
        />
      </g>
      {showLabel && (
        <EdgeLabelRenderer>
          <div
            className={`topo-edge-label health-${data.health}${data.highlighted ? ' highlighted' : ''}${partial ? ' partial-mtls' : ''}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            title={hover}
          >
            {data.securedShare > 0 && (
              <span className="mtls" role="img" aria-label={mtlsLabel(data.securedShare)}>
                <MtlsIcon securedShare={data.securedShare} size={11} />
                {partial && `${mtlsLabel(data.securedShare).slice(5)} · `}
              </span>
            )}
            {(data.health === 'degraded' || data.health === 'failing') && (
              <HealthIcon health={data.health} size={11} />
            )}
            {summary}
            <span className="p95"> · p95 {formatLatency(data.p95Ms)}</span>
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const TrafficEdge = memo(TrafficEdgeView);
