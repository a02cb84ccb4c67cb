/** A namespace's workloads: replicas, mesh state, golden metrics and the Mesh / Unmesh action. */
import type { GoldenMetrics, TimeWindow, Workload } from '@weft/shared';
import Link from 'next/link';
import { withWindow } from '../../lib/time-window.ts';
import { GOLDEN_HEADERS, GoldenMetricsCells } from '../golden-metrics-cells.tsx';
import { MeshStatePill } from '../mesh-state-pill.tsx';
import { MeshAction } from './mesh-action.tsx';

export interface WorkloadsTableProps {
  workloads: Workload[];
  metrics: ReadonlyMap<string, GoldenMetrics>;
  window: TimeWindow;
}

export function WorkloadsTable({ workloads, metrics, window }: WorkloadsTableProps) {
  return (
    <table className="table" aria-label="Workloads">
      <thead>
        <tr>
          <th scope="col">Workload</th>
          <th scope="col">Mesh</th>
          <th scope="col" className="num">
            Ready
          </th>
          <th scope="col" className="num">
            With proxy
          </th>
          {GOLDEN_HEADERS.map((h) => (
            <th key={h} scope="col" className="num">
              {h}
            </th>
          ))}
          <th scope="col">Action</th>
        </tr>
      </thead>
      <tbody>
        {workloads.map((w) => (
          <tr key={w.name} aria-label={w.name}>
            <th scope="row">
              <Link href={withWindow(`/workloads/${w.namespace}/${w.name}`, window)}>{w.name}</Link>
            </th>
            <td>
              <MeshStatePill state={w.meshState} />
            </td>
            <td className="num">
              {w.readyReplicas}/{w.replicas}
            </td>
            <td className="num">
              {w.meshedReplicas}/{w.replicas}
            </td>
            <GoldenMetricsCells metrics={w.meshed ? metrics.get(w.name) : null} />
            <td className="action-cell">
              <MeshAction workload={w} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
