/** Every edge in and out of a workload, with its golden metrics, mTLS state and identities. */
import type { Edge } from '@weft/shared';
import { formatLatency, formatPercent, formatRps } from '../../lib/format.ts';
import { healthOf } from '../../lib/health.ts';

export function EdgesTable({ edges, namespace, name }: { edges: Edge[]; namespace: string; name: string }) {
  return (
    <table className="table" aria-label="Edges">
      <thead>
        <tr>
          <th scope="col">Direction</th>
          <th scope="col">Source</th>
          <th scope="col">Destination</th>
          <th scope="col" className="num">
            Success
          </th>
          <th scope="col" className="num">
            RPS
          </th>
          <th scope="col" className="num">
            P95
          </th>
          <th scope="col">Secured</th>
          <th scope="col">Identities</th>
        </tr>
      </thead>
      <tbody>
        {edges.map((e) => {
          const inbound = e.destination.namespace === namespace && e.destination.name === name;
          return (
            <tr
              key={`${e.source.namespace}/${e.source.name}->${e.destination.namespace}/${e.destination.name}`}
            >
              <td>{inbound ? 'inbound' : 'outbound'}</td>
              <td>
                {e.source.namespace}/{e.source.name}
                {e.sourceUnmeshed && <span className="badge badge-muted">unmeshed</span>}
              </td>
              <td>
                {e.destination.namespace}/{e.destination.name}
              </td>
              <td className={`num health-text-${healthOf(e.metrics)}`}>
                {formatPercent(e.metrics.successRate)}
              </td>
              <td className="num">{formatRps(e.metrics.rps)}</td>
              <td className="num">{formatLatency(e.metrics.latencyP95Ms)}</td>
              <td>
                {e.secured ? (
                  <span className="pill health-healthy">🔒 mTLS</span>
                ) : (
                  <span className="pill health-idle">plain</span>
                )}
              </td>
              <td className="identities small">
                {e.clientIdentity || e.serverIdentity ? (
                  <>
                    <div title="client identity">→ {e.clientIdentity ?? '–'}</div>
                    <div title="server identity">← {e.serverIdentity ?? '–'}</div>
                  </>
                ) : (
                  <span className="muted">–</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
