/** The Services of a namespace: each links to its Service page (routes, policy editor), with its ports and address. */
import type { Service, TimeWindow } from '@weft/shared';
import Link from 'next/link';
import { withWindow } from '../../lib/time-window.ts';

export function ServicesTable({ services, window }: { services: Service[]; window: TimeWindow }) {
  return (
    <table className="table" aria-label="Services">
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col">Address</th>
          <th scope="col">Ports</th>
        </tr>
      </thead>
      <tbody>
        {services.map((s) => (
          <tr key={s.name}>
            <th scope="row">
              <Link href={withWindow(`/services/${s.namespace}/${s.name}`, window)}>{s.name}</Link>
            </th>
            <td className="mono small">{s.clusterIP}</td>
            <td className="small">{s.ports.map((p) => `${p.port}→${p.targetPort}`).join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
