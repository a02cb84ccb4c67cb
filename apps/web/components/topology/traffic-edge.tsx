'use client';
/**
 * A call of the hovered or selected workload, drawn by React Flow above the layer of the
 * other calls (call-layer.tsx, edge-layer.tsx): coloured by health, thicker with more
 * traffic, highlighted and labelled with rps and success rate, with p95 on hover.
 */
import { type Edge, EdgeLabelRenderer, type EdgeProps, getBezierPath } from '@xyflow/react';
import { memo } from 'react';
import { strokeWidth } from '../../lib/topology/edge-curves.ts';
import { type CallFigures, CallLabel, callTooltip } from './edge-label.tsx';

export interface TrafficEdgeData extends CallFigures, Record<string, unknown> {}

export type TrafficFlowEdge = Edge<TrafficEdgeData, 'traffic'>;

function TrafficEdgeView(props: EdgeProps<TrafficFlowEdge>) {
  const { data, markerEnd } = props;
  const [path, labelX, labelY] = getBezierPath(props);
  if (!data) return null;
  return (
    <>
      <g className={`topo-edge health-${data.health} highlighted`}>
        <title>{callTooltip(data)}</title>
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
      <EdgeLabelRenderer>
        <CallLabel figures={data} x={labelX} y={labelY} highlighted />
      </EdgeLabelRenderer>
    </>
  );
}

export const TrafficEdge = memo(TrafficEdgeView);
