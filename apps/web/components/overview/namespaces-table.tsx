/** Every namespace: workloads meshed, meshed pods with a bar, ready pods, golden metrics. */
import type { GoldenMetrics, NamespaceSummary, TimeWindow } from '@weft/shared';
import Link from 'next/link';
import { withWindow } from '../../lib/time-window.ts';
import { GOLDEN_HEADERS, GoldenMetricsCells } from '../golden-metrics-cells.tsx';
import { MeshBar } from '../mesh-bar.tsx';

export interface NamespaceRow {
  summary: NamespaceSummary;
  meshedPods: number;
  metrics: GoldenMetrics | null;
}

export function NamespacesTable({ rows, window }: { rows: NamespaceRow[]; window: TimeWindow }) {
  return (
    <table className="table" aria-label="Namespaces">
      <thead>
        <tr>
          <th scope="col">Namespace</th>
          <th scope="col">Meshed workloads</th>
          <th scope="col">Meshed pods</th>
          <th scope="col" className="num">
            Ready pods
          </th>
          {GOLDEN_HEADERS.map((h) => (
            <th key={h} scope="col" className="num">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map(({ summary: ns, meshedPods, metrics }) => (
          <tr key={ns.name}>
            <th scope="row">
              <Link href={withWindow(`/namespaces/${ns.name}`, window)}>{ns.name}</Link>
            </th>
            <td>
              {ns.meshedWorkloads} / {ns.workloads}
            </td>
            <td>
              <MeshBar meshed={meshedPods} total={ns.pods} label={ns.name} />
            </td>
            <td className="num">
              {ns.readyPods} / {ns.pods}
            </td>
            {/* Without a meshed workload nothing is measured: show "–", not zeros. */}
            <GoldenMetricsCells metrics={ns.meshedWorkloads > 0 ? metrics : null} />
          </tr>
        ))}
      </tbody>
    </table>
  );
}
