'use client';
/**
 * The Tap page: live requests of the selected proxies, with filters, pause, the
 * equivalent `weft tap` command, Live calls (requests grouped by path) and, for any
 * request, the Explain panel. The filter lives in the URL, so a tap can be shared.
 */
import { type TapFilter, tapCommand } from '@weft/shared';
import Link from 'next/link';
import { useRef, useState } from 'react';
import { useSlideInOnMove } from '../../lib/slide-in.ts';
import { describeError } from '../../lib/trpc/errors.ts';
import { type TappedEvent, useTap } from '../../lib/use-tap.ts';
import { PageHeader } from '../page-header.tsx';
import { ExplainPanel } from './explain-panel.tsx';
import { LiveCalls } from './live-calls.tsx';
import { TapFilters } from './tap-filters.tsx';
import { TapStream } from './tap-stream.tsx';

function urlOf(filter: TapFilter): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '/tap' : `/tap?${s}`;
}

export function TapView({ initial }: { initial: TapFilter }) {
  const [filter, setFilter] = useState<TapFilter>(initial);
  const [running, setRunning] = useState(true);
  const [explained, setExplained] = useState<TappedEvent | null>(null);
  const tap = useTap(filter, running);
  // Live calls grow above the requests: the requests slide down rather than jump.
  const requests = useRef<HTMLElement>(null);
  useSlideInOnMove(requests);
  const apply = (f: TapFilter) => {
    setFilter(f);
    tap.clear();
    setExplained(null);
    window.history.replaceState(null, '', urlOf(f));
  };
  const sources = Object.entries(tap.sources);
  const tapping = sources.filter(([, s]) => s === 'tapping').length;
  const scope =
    filter.workload !== undefined
      ? `${filter.namespace ?? 'any namespace'}/${filter.workload}`
      : (filter.namespace ?? 'the whole mesh');

  return (
    <>
      <PageHeader
        title={`Tap: ${scope}`}
        crumbs={
          <>
            <Link href="/">Overview</Link>
            {filter.namespace !== undefined && (
              <>
                {' / '}
                <Link href={`/namespaces/${filter.namespace}`}>{filter.namespace}</Link>
              </>
            )}
            {filter.namespace !== undefined && filter.workload !== undefined && (
              <>
                {' / '}
                <Link href={`/workloads/${filter.namespace}/${filter.workload}`}>{filter.workload}</Link>
              </>
            )}
            {' / tap'}
          </>
        }
      >
        <button
          type="button"
          className="button"
          onClick={() => setRunning((r) => !r)}
          aria-pressed={!running}
        >
          {running ? 'Pause' : 'Resume'}
        </button>
        <button type="button" className="button" onClick={() => tap.clear()}>
          Clear
        </button>
      </PageHeader>
      <TapFilters filter={filter} onApply={apply} />
      <section className="card tap-status" aria-label="Tap status">
        <p className="small" role="status">
          {!running
            ? 'Paused: no requests are streaming. Resume to tap again.'
            : tap.error !== null
              ? `The tap stopped: ${describeError(tap.error)}`
              : sources.length === 0
                ? 'Waiting for a meshed, running proxy to tap…'
                : `Tapping ${tapping} of ${sources.length} ${sources.length === 1 ? 'proxy' : 'proxies'}.`}
          {tap.dropped > 0 && ` ${tap.dropped} events dropped by the rate bound.`}
        </p>
        {sources.some(([, s]) => s !== 'tapping') && (
          <ul className="small muted tap-sources">
            {sources
              .filter(([, s]) => s !== 'tapping')
              .map(([name, s]) => (
                <li key={name}>
                  {name}: {s}
                </li>
              ))}
          </ul>
        )}
        <p className="small">
          Same tap from a terminal: <code className="cli-command">{tapCommand(filter)}</code>
        </p>
      </section>
      {explained && (
        <ExplainPanel key={explained.id} event={explained.event} onClose={() => setExplained(null)} />
      )}
      <section className="card" aria-label="Live calls">
        <div className="card-title-row">
          <h2>Live calls</h2>
          <span className="muted small">
            by path since the tap opened · <code>{tapCommand(filter, 'top')}</code>
          </span>
        </div>
        <LiveCalls rows={tap.top} />
      </section>
      <section className="card slide-in" aria-label="Requests" ref={requests}>
        <div className="card-title-row">
          <h2>Requests</h2>
          <span className="muted small">newest first, last {tap.events.length}</span>
        </div>
        {tap.events.length === 0 ? (
          <p className="state-empty">
            No request seen yet{running ? '; they appear here as they happen.' : '.'}
          </p>
        ) : (
          <TapStream events={tap.events} onExplain={setExplained} />
        )}
      </section>
    </>
  );
}
