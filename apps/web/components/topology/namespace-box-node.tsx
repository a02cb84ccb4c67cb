'use client';
/** A namespace drawn as a box around its workloads, titled with its name. */
import type { Node, NodeProps } from '@xyflow/react';
import { memo } from 'react';

export interface NamespaceBoxData extends Record<string, unknown> {
  namespace: string;
  workloads: number;
  dimmed: boolean;
}

export type NamespaceFlowNode = Node<NamespaceBoxData, 'namespace'>;

function NamespaceBoxView({ data }: NodeProps<NamespaceFlowNode>) {
  return (
    <div className={`topo-box${data.dimmed ? ' dimmed' : ''}`}>
      <div className="topo-box-title">
        <span className="topo-box-kind">ns</span> {data.namespace}
        <span className="topo-box-count">{data.workloads}</span>
      </div>
    </div>
  );
}

export const NamespaceBoxNode = memo(NamespaceBoxView);
