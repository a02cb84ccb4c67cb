'use client';
/**
 * Before apply, two panels on the text the controller has just accepted: the change in
 * words (`policies.describeChange`), and a dry run against the traffic observed over
 * the last N minutes (`policies.trafficImpact`): edges whose verdict changes with their
 * requests per second, unmeshed callers that would break, and backends whose share moves.
 */
import { useQuery } from '@tanstack/react-query';
import { MAX_IMPACT_WINDOW_MINUTES, type PolicyChangeSentence, type TrafficImpactEdge } from '@weft/shared';
import { useState } from 'react';
import { formatRps } from '../../lib/format.ts';
import { useTRPC } from '../../lib/trpc/client.ts';
import { QueryState } from '../query-state.tsx';

const WINDOWS = [1, 5, 15, MAX_IMPACT_WINDOW_MINUTES];

export function ChangeSentences({ sentences }: { sentences: readonly PolicyChangeSentence[] }) {
  if (sentences.length === 0) return <p className="state-empty">No change.</p>;
  return (
    <ul className="plain-list">
      {sentences.map((s) => (
        <li key={`${s.subject}|${s.text}`}>
          <strong>{s.subject}</strong>: {s.text}
        </li>
      ))}
    </ul>
  );
}

function edgeName(e: TrafficImpactEdge): string {
  return `${e.source.namespace}/${e.source.name} → ${e.destination.namespace}/${e.destination.name}:${e.port}`;
}

function EdgeTable({ edges, label }: { edges: readonly TrafficImpactEdge[]; label: string }) {
  return (
    <table className="table" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Edge</th>
          <th scope="col">Caller identity</th>
          <th scope="col" className="num">
            RPS
          </th>
          <th scope="col">Now</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {edges.map((e) => (
          <tr key={edgeName(e)}>
            <th scope="row">
              {edgeName(e)}
              {!e.source.meshed && <span className="badge badge-muted">unmeshed</span>}
            </th>
            <td className="identities small">{e.identity ?? 'plaintext'}</td>
            <td className="num">{formatRps(e.rps)}</td>
            <td>{e.before}</td>
            <td className={e.after === 'deny' ? 'health-text-failing' : ''}>
              {e.after === 'deny' ? 'would deny' : e.after === 'allow' ? 'would allow' : 'would audit'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function BeforeApply({ yaml }: { yaml: string }) {
  const trpc = useTRPC();
  const [minutes, setMinutes] = useState(5);
  const words = useQuery(trpc.policies.describeChange.queryOptions({ yaml }));
  const impact = useQuery(trpc.policies.trafficImpact.queryOptions({ yaml, windowMinutes: minutes }));
  const d = impact.data;
  return (
    <div className="before-apply">
      <section aria-label="Change in words">
        <h3>Change in words</h3>
        <QueryState query={words} what="the change in words">
          {words.data && <ChangeSentences sentences={words.data.sentences} />}
        </QueryState>
      </section>
      <section aria-label="Dry run against traffic">
        <div className="card-title-row">
          <h3>Dry run against observed traffic</h3>
          <label className="form-field">
            Traffic of the last
            <select value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
              {WINDOWS.map((m) => (
                <option key={m} value={m}>
                  {m} minute{m === 1 ? '' : 's'}
                </option>
              ))}
            </select>
          </label>
        </div>
        <QueryState query={impact} what="the dry run against traffic">
          {d && !d.observed && (
            <p className="muted">No traffic is observed on this controller (no metrics).</p>
          )}
          {d?.observed && (
            <>
              {d.brokenUnmeshed.length > 0 && (
                <p className="state-error" role="alert">
                  Unmeshed callers would break: {d.brokenUnmeshed.map(edgeName).join(', ')}.
                </p>
              )}
              {d.changed.length > 0 ? (
                <EdgeTable edges={d.changed} label="Edges whose verdict changes" />
              ) : (
                <p className="small">
                  No observed edge changes verdict ({d.edges.length} edge{d.edges.length === 1 ? '' : 's'}{' '}
                  judged).
                </p>
              )}
              {d.backends.length > 0 && (
                <table className="table" aria-label="Backends whose share changes">
                  <thead>
                    <tr>
                      <th scope="col">Route</th>
                      <th scope="col">Backend</th>
                      <th scope="col" className="num">
                        Share
                      </th>
                      <th scope="col" className="num">
                        RPS
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.backends.map((b) => (
                      <tr key={`${b.route}|${b.backend.name}:${b.backend.port}`}>
                        <td>{b.route}</td>
                        <th scope="row">
                          {b.backend.namespace}/{b.backend.name}:{b.backend.port}
                        </th>
                        <td className="num">
                          {Math.round(b.percentBefore)}% → {Math.round(b.percentAfter)}%
                        </td>
                        <td className="num">
                          {b.rpsBefore === null
                            ? '–'
                            : `${formatRps(b.rpsBefore)} → ${formatRps(b.rpsAfter)}`}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )}
        </QueryState>
      </section>
    </div>
  );
}
