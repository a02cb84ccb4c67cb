/**
 * The tap stream: one row per request (newest first); a row expands to the request's
 * details (identities, route, endpoint, attempts, headers by name) and a button that
 * opens its explanation.
 */
import type { TapEvent } from '@weft/shared';
import { ChevronDown, ChevronRight } from 'lucide-react';
import { Fragment, useState } from 'react';
import type { TappedEvent } from '../../lib/use-tap.ts';

function statusClass(e: TapEvent): string {
  if (e.status === 0 || e.status >= 500 || (e.grpcStatus !== null && e.grpcStatus !== 0))
    return 'health-failing';
  if (e.status >= 400) return 'health-degraded';
  return 'health-healthy';
}

function who(p: { namespace: string | null; workload: string | null }): string {
  return p.workload === null ? '–' : `${p.namespace ?? '?'}/${p.workload}`;
}

function time(at: number): string {
  return new Date(at).toISOString().slice(11, 23);
}

function Details({ e, onExplain }: { e: TapEvent; onExplain: () => void }) {
  const rows: [string, string][] = [
    ['Proxy', `${e.proxy} (${e.direction})`],
    ['Authority', e.authority],
    ['Route', e.route ?? 'none'],
    ['Backend', e.backend ?? '–'],
    ['Endpoint', e.endpoint ?? '–'],
    ['Attempts', e.attempts.map((a) => `${a.endpoint ?? '?'} → ${a.error ?? a.status}`).join(', ') || 'none'],
    ['Client identity', e.clientIdentity ?? 'none'],
    ['Server identity', e.serverIdentity ?? 'none'],
    [
      'Headers',
      e.headers.map((h) => (h.value === undefined ? h.name : `${h.name}: ${h.value}`)).join('; ') || 'none',
    ],
  ];
  return (
    <div className="tap-detail">
      <dl className="tap-detail-list">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd className="mono small">{v}</dd>
          </div>
        ))}
      </dl>
      <button type="button" className="button primary" onClick={onExplain}>
        Explain this request
      </button>
    </div>
  );
}

export function TapStream({
  events,
  onExplain,
}: {
  events: TappedEvent[];
  onExplain: (e: TappedEvent) => void;
}) {
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());
  const toggle = (id: number) =>
    setOpen((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  return (
    <table className="table tap-table" aria-label="Tapped requests">
      <thead>
        <tr>
          <th scope="col">
            <span className="sr-only">Details</span>
          </th>
          <th scope="col">Time</th>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col">Method</th>
          <th scope="col">Path</th>
          <th scope="col">Status</th>
          <th scope="col" className="num">
            Latency
          </th>
        </tr>
      </thead>
      <tbody>
        {events.map((t) => {
          const e = t.event;
          const expanded = open.has(t.id);
          return (
            <Fragment key={t.id}>
              <tr className="tap-row">
                <td>
                  <button
                    type="button"
                    className="icon-button"
                    aria-expanded={expanded}
                    aria-label={`Details of ${e.method} ${e.path}`}
                    onClick={() => toggle(t.id)}
                  >
                    {expanded ? (
                      <ChevronDown size={16} aria-hidden="true" />
                    ) : (
                      <ChevronRight size={16} aria-hidden="true" />
                    )}
                  </button>
                </td>
                <td className="mono small">{time(e.at)}</td>
                <td className="small">{who(e.source)}</td>
                <td className="small">{who(e.destination)}</td>
                <td className="mono small">{e.method}</td>
                <th scope="row" className="mono small tap-path">
                  {e.path}
                </th>
                <td>
                  <span className={`pill ${statusClass(e)}`}>
                    {e.status === 0 ? 'none' : e.status}
                    {e.grpcStatus !== null && ` grpc ${e.grpcStatus}`}
                  </span>
                </td>
                <td className="num">
                  {e.latencyMs < 10 ? e.latencyMs.toFixed(1) : Math.round(e.latencyMs)} ms
                </td>
              </tr>
              {expanded && (
                <tr className="tap-detail-row">
                  <td colSpan={8}>
                    <Details e={e} onExplain={() => onExplain(t)} />
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
