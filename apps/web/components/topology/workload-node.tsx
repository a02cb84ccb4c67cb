'use client';
/**
 * A workload in the topology graph: its name, health colour and icon, and its rps and
 * success rate (shown once zoomed in close enough to read). Unmeshed workloads are drawn
 * dashed.
 */
import type { GoldenMetrics, TopologyNode } from '@weft/shared';
import type { Node, NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { formatPercent, formatRps } from '../../lib/format.ts';
import { HEALTH_LABEL, type Health } from '../../lib/health.ts';
import { nodeId } from '../../lib/topology/graph.ts';
import { HealthIcon } from '../health-mark.tsx';

export interface WorkloadNodeData extends Record<string, unknown> {
  namespace: string;
  name: string;
  meshed: boolean;
  metrics: GoldenMetrics | null;
  health: Health;
  /** Matches the current search. */
  matched: boolean;
  /** Another node is highlighted and this one is not its neighbour. */
  dimmed: boolean;
  /** A caller neither side could name, drawn outside every namespace. */
  unknownCaller: boolean;
  /** Behind a Service in a running canary. */
  canary: boolean;
}

export type WorkloadFlowNode = Node<WorkloadNodeData, 'workload'>;

/**
 * Connection points as plain elements carrying the classes and data attributes React
 * Flow reads when it measures a node: the same anchors as its `Handle` component,
 * without one store subscription per handle (600 of them at 300 workloads).
 */
function Anchor({ type }: { type: 'source' | 'target' }) {
  const side = type === 'source' ? 'right' : 'left';
  return <div className={`react-flow__handle react-flow__handle-${side} ${type}`} data-handlepos={side} />;
}

function WorkloadNodeView({ data, selected }: NodeProps<WorkloadFlowNode>) {
  const classes = [
    'topo-node',
    `health-${data.health}`,
    data.meshed ? '' : 'unmeshed',
    data.unknownCaller ? 'unknown-caller' : '',
    data.matched ? 'matched' : '',
    data.dimmed ? 'dimmed' : '',
    selected ? 'selected' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={classes}>
      <Anchor type="target" />
      <div className="topo-node-name">
        {data.meshed && <HealthIcon health={data.health} size={12} />}{' '}
        {data.unknownCaller ? 'unknown caller' : data.name}
        {data.canary && <span className="badge canary-badge">canary</span>}
      </div>
      {
        // Hidden by CSS when zoomed out too far to read (see topology-graph.tsx).
        <div className="topo-node-meta">
          {data.meshed ? (
            data.metrics && data.metrics.requests > 0 ? (
              <>
                {formatRps(data.metrics.rps)} rps · {formatPercent(data.metrics.successRate)}
              </>
            ) : (
              'no traffic'
            )
          ) : (
            <span className="badge badge-muted">unmeshed</span>
          )}
        </div>
      }
      <Anchor type="source" />
    </div>
  );
}

export const WorkloadNode = memo(WorkloadNodeView);

/** What a screen reader announces for a workload node: name, health and rps. */
export function workloadLabel(n: TopologyNode, health: Health, unknownCaller: boolean): string {
  if (unknownCaller) return `Unknown caller of namespace ${n.namespace} (unmeshed)`;
  const id = nodeId(n);
  if (!n.meshed) return `Workload ${id} (unmeshed)`;
  const m = n.metrics;
  const traffic =
    m && m.requests > 0 ? `, ${formatRps(m.rps)} rps, ${formatPercent(m.successRate)} success` : '';
  return `Workload ${id}: ${HEALTH_LABEL[health].toLowerCase()}${traffic}`;
}
