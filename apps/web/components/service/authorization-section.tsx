'use client';
/**
 * Authorization of a Service's pods, per workload and target port (the Server that
 * covers it, or the default policy): who the rules allow, and each caller seen in the
 * window with the policy's verdict on it (`policies.authorization`).
 */
import { useQuery } from '@tanstack/react-query';
import type { AuthorizationRulePlan, TimeWindow } from '@weft/shared';
import { useLiveRefresh } from '../../lib/live-refresh.tsx';
import { useTRPC } from '../../lib/trpc/client.ts';
import { QueryState } from '../query-state.tsx';

function describeRule(r: AuthorizationRulePlan): string {
  const who =
    r.identities === null
      ? 'any caller, mTLS or not'
      : r.identities.includes('*')
        ? 'any mTLS identity'
        : `mTLS identities ${r.identities.join(', ')}`;
  const from = r.networks === null ? '' : ` from ${r.networks.map((n) => n.cidr).join(', ')}`;
  const name = r.kind === 'default' ? `default ${r.name}` : `${r.kind} ${r.namespace}/${r.name}`;
  return `${name}: ${who}${from}`;
}

function PortAuthorization({
  namespace,
  workload,
  port,
  window,
}: {
  namespace: string;
  workload: string;
  port: number;
  window: TimeWindow;
}) {
  const trpc = useTRPC();
  const { interval } = useLiveRefresh();
  const q = useQuery({
    ...trpc.policies.authorization.queryOptions({ namespace, workload, port, window }),
    refetchInterval: interval,
  });
  const title = `${workload} port ${port}`;
  return (
    <div className="authz-port">
      <h3>{title}</h3>
      <QueryState query={q} what={`authorization of ${title}`}>
        {q.data && (
          <>
            <p className="small">
              <span className="muted">Server: </span>
              {q.data.authz.serverKind === 'server'
                ? q.data.authz.serverName
                : `none (${q.data.authz.serverName})`}
              {q.data.authz.audit && <span className="badge badge-muted">audit</span>}
            </p>
            <p className="small muted">Allowed:</p>
            {q.data.authz.rules.length > 0 ? (
              <ul className="plain-list small">
                {q.data.authz.rules.map((r) => (
                  <li key={`${r.kind}/${r.namespace}/${r.name}`}>{describeRule(r)}</li>
                ))}
              </ul>
            ) : (
              <p className="small">Nobody: every request is denied.</p>
            )}
            {q.data.callers.length > 0 ? (
              <table className="table" aria-label={`Callers of ${title}`}>
                <thead>
                  <tr>
                    <th scope="col">Caller</th>
                    <th scope="col">Identity</th>
                    <th scope="col" className="num">
                      Requests
                    </th>
                    <th scope="col">Verdict</th>
                  </tr>
                </thead>
                <tbody>
                  {q.data.callers.map((c) => (
                    <tr key={`${c.source.namespace}/${c.source.name}`}>
                      <th scope="row">
                        {c.source.namespace}/{c.source.name}
                        {c.unmeshed && <span className="badge badge-muted">unmeshed</span>}
                      </th>
                      <td className="identities small">{c.identity ?? 'plaintext'}</td>
                      <td className="num">{Math.round(c.requests)}</td>
                      <td className={c.allowed ? '' : 'health-text-failing'}>
                        {c.allowed ? `allowed${c.rule ? ` by ${c.rule}` : ''}` : 'denied'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="state-empty">No caller seen in the last {window}.</p>
            )}
          </>
        )}
      </QueryState>
    </div>
  );
}

export function AuthorizationSection({
  namespace,
  targets,
  window,
}: {
  namespace: string;
  /** Each workload the Service selects with the target ports it sends to. */
  targets: { workload: string; port: number }[];
  window: TimeWindow;
}) {
  if (targets.length === 0) return <p className="state-empty">No workload runs behind this Service.</p>;
  return (
    <>
      {targets.map((t) => (
        <PortAuthorization key={`${t.workload}:${t.port}`} namespace={namespace} window={window} {...t} />
      ))}
    </>
  );
}
