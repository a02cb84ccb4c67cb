'use client';
/** Details of the workload selected in the topology, with focus and open actions and links to its Services. */
import { type Edge, type TopologyNode, UNKNOWN_SOURCE } from '@weft/shared';
import { X } from 'lucide-react';
import Link from 'next/link';
import { HEALTH_LABEL, healthOf } from '../../lib/health.ts';
import { nodeId } from '../../lib/topology/graph.ts';
import { GoldenMetricsList } from '../golden-metrics-list.tsx';
import { HealthIcon } from '../health-mark.tsx';
import { ServiceLinks } from '../service/service-links.tsx';

export interface SelectedWorkloadPanelProps {
  node: TopologyNode;
  edges: Edge[];
  href: string;
  focused: boolean;
  onFocus: () => void;
  onClose: () => void;
}

export function SelectedWorkloadPanel({
  node,
  edges,
  href,
  focused,
  onFocus,
  onClose,
}: SelectedWorkloadPanelProps) {
  const id = nodeId(node);
  const inbound = edges.filter((e) => nodeId(e.destination) === id).length;
  const outbound = edges.filter((e) => nodeId(e.source) === id).length;
  const health = node.meshed ? healthOf(node.metrics) : 'unknown';
  return (
    <aside className="side-panel" aria-label="Selected workload">
      <header>
        <div>
          <div className="muted small">
            {node.name === UNKNOWN_SOURCE ? 'outside every namespace' : node.namespace}
          </div>
          <h2>{node.name}</h2>
        </div>
        <button type="button" className="icon-button" aria-label="Close details" onClick={onClose}>
          <X size={16} aria-hidden="true" focusable="false" />
        </button>
      </header>
      <p>
        <span className={`pill health-${health}`}>
          <HealthIcon health={health} />
          {node.meshed ? HEALTH_LABEL[health] : 'Unmeshed'}
        </span>
      </p>
      {node.metrics ? (
        <GoldenMetricsList metrics={node.metrics} />
      ) : (
        <p className="muted">No metrics: not meshed.</p>
      )}
      <p className="muted small">
        {inbound} caller{inbound === 1 ? '' : 's'} · {outbound} callee{outbound === 1 ? '' : 's'} shown
      </p>
      {node.name !== UNKNOWN_SOURCE && <ServiceLinks namespace={node.namespace} workload={node.name} />}
      <div className="actions">
        <button type="button" className="button" onClick={onFocus} disabled={focused}>
          {focused ? 'Focused' : 'Focus here'}
        </button>
        <Link className="button primary" href={href}>
          Open workload page
        </Link>
      </div>
    </aside>
  );
}
