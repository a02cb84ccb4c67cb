/**
 * One tapped request in the tap stream: its summary row and, when expanded, the request's
 * details (identities, route, endpoint, attempts, headers by name) with a button that
 * opens its explanation. Memoized: an event never changes once tapped, so a flush of the
 * stream mounts the new rows and leaves the rows already on screen alone.
 */
import type { TapEvent } from '@weft/shared';
import { ChevronDown, ChevronRight } from 'lucide-react';
import { memo } from 'react';
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

export interface TapRowProps {
  tapped: TappedEvent;
  expanded: boolean;
  /** Stable across renders (the row is memoized on its props). */
  onToggle: (id: number) => void;
  /** Stable across renders (the row is memoized on its props). */
  onExplain: (e: TappedEvent) => void;
}

export const TapRow = memo(function TapRow({ tapped, expanded, onToggle, onExplain }: TapRowProps) {
  const e = tapped.event;
  return (
    <>
      <tr className="tap-row" data-id={tapped.id}>
        <td>
          <button
            type="button"
            className="icon-button"
            aria-expanded={expanded}
            aria-label={`Details of ${e.method} ${e.path}`}
            onClick={() => onToggle(tapped.id)}
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
        <td className="num">{e.latencyMs < 10 ? e.latencyMs.toFixed(1) : Math.round(e.latencyMs)} ms</td>
      </tr>
      {expanded && (
        <tr className="tap-detail-row">
          <td colSpan={8}>
            <Details e={e} onExplain={() => onExplain(tapped)} />
          </td>
        </tr>
      )}
    </>
  );
});
