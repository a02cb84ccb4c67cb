/** Every edge in and out of a workload, with its golden metrics, mTLS state and identities. */
import { type Edge, UNKNOWN_SOURCE } from '@weft/shared';
import { ArrowLeft, ArrowRight } from 'lucide-react';
import { formatLatency, formatPercent, formatRps } from '../../lib/format.ts';
import { healthOf } from '../../lib/health.ts';
import { HealthMark } from '../health-mark.tsx';
import { MtlsPill } from '../mtls-state.tsx';

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
                {e.source.name === UNKNOWN_SOURCE
                  ? 'unknown caller'
                  : `${e.source.namespace}/${e.source.name}`}
                {e.sourceUnmeshed && <span className="badge badge-muted">unmeshed</span>}
              </td>
              <td>
                {e.destination.namespace}/{e.destination.name}
              </td>
              <td className={`num health-text-${healthOf(e.metrics)}`}>
                <HealthMark health={healthOf(e.metrics)}>{formatPercent(e.metrics.successRate)}</HealthMark>
              </td>
              <td className="num">{formatRps(e.metrics.rps)}</td>
              <td className="num">{formatLatency(e.metrics.latencyP95Ms)}</td>
              <td>
                <MtlsPill securedShare={e.securedShare} />
              </td>
              <td className="identities small">
                {e.clientIdentity || e.serverIdentity ? (
                  <>
                    <div title="client identity">
                      <ArrowRight size={12} aria-label="client" role="img" /> {e.clientIdentity ?? '–'}
                    </div>
                    <div title="server identity">
                      <ArrowLeft size={12} aria-label="server" role="img" /> {e.serverIdentity ?? '–'}
                    </div>
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
