/** A workload's pods: status, restarts, address, proxy, age and their last output lines. */
import type { Pod } from '@weft/shared';
import { formatAge } from '../../lib/format.ts';
import { PodLogs } from './pod-logs.tsx';

function status(p: Pod): { text: string; cls: string } {
  if (p.phase === 'Running' && p.ready) return { text: 'Running', cls: 'health-healthy' };
  if (p.phase === 'Running') return { text: 'Running, not ready', cls: 'health-degraded' };
  if (p.phase === 'Failed') return { text: 'Failed', cls: 'health-failing' };
  return { text: p.phase, cls: 'health-idle' };
}

export function PodsTable({ pods }: { pods: Pod[] }) {
  return (
    <table className="table pods" aria-label="Pods">
      <thead>
        <tr>
          <th scope="col">Pod</th>
          <th scope="col">Status</th>
          <th scope="col" className="num">
            Restarts
          </th>
          <th scope="col">Address</th>
          <th scope="col">Proxy</th>
          <th scope="col" className="num">
            Age
          </th>
          <th scope="col">Last output</th>
        </tr>
      </thead>
      <tbody>
        {pods.map((p) => {
          const s = status(p);
          return (
            <tr key={p.name}>
              <th scope="row" className="mono small">
                {p.name}
              </th>
              <td>
                <span className={`pill ${s.cls}`}>{s.text}</span>
                {p.lastExit && (
                  <div className="muted small">
                    last exit {p.lastExit.code ?? p.lastExit.signal} ({formatAge(p.lastExit.at)} ago)
                  </div>
                )}
              </td>
              <td className="num">{p.restarts}</td>
              <td className="mono small">{p.ip}</td>
              <td>
                {p.meshed ? (
                  <span className="pill health-healthy">proxy</span>
                ) : (
                  <span className="muted">–</span>
                )}
              </td>
              <td className="num">{formatAge(p.startedAt)}</td>
              <td className="logs-cell">
                <PodLogs namespace={p.namespace} pod={p.name} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
