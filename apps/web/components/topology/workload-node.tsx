'use client';
/**
 * A workload in the topology graph: its name, health colour and, when zoomed in close
 * enough to read, its rps and success rate. Unmeshed workloads are drawn dashed.
 */
import type { GoldenMetrics } from '@weft/shared';
import { Handle, type Node, type NodeProps, Position, useStore } from '@xyflow/react';
import { memo } from 'react';
import { formatPercent, formatRps } from '../../lib/format.ts';
import type { Health } from '../../lib/health.ts';

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
}

export type WorkloadFlowNode = Node<WorkloadNodeData, 'workload'>;

/** Below this zoom the metrics line is dropped: it could not be read anyway. */
const DETAIL_ZOOM = 0.45;
const zoomedIn = (s: { transform: [number, number, number] }) => s.transform[2] >= DETAIL_ZOOM;

function WorkloadNodeView({ data, selected }: NodeProps<WorkloadFlowNode>) {
  const detailed = useStore(zoomedIn);
  const classes = [
    'topo-node',
    `health-${data.health}`,
    data.meshed ? '' : 'unmeshed',
    data.matched ? 'matched' : '',
    data.dimmed ? 'dimmed' : '',
    selected ? 'selected' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={classes}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="topo-node-name">{data.name}</div>
      {detailed && (
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
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

export const WorkloadNode = memo(WorkloadNodeView);
