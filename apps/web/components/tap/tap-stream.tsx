/**
 * The tap stream: one row per request (newest first); a row expands to the request's
 * details and a button that opens its explanation (tap-row.tsx). Rows are memoized and
 * keyed by the event's page-local id, so a flush of new events mounts only those rows.
 * New rows slide in from under the header (slide-in.ts) rather than pushing the rows on
 * screen down in one jump.
 */
import { useCallback, useLayoutEffect, useRef, useState } from 'react';
import { slideFrom } from '../../lib/slide-in.ts';
import type { TappedEvent } from '../../lib/use-tap.ts';
import { TapRow } from './tap-row.tsx';

/**
 * After each flush, slides the rows down from where they were: the row that was first
 * is found by its id, and the rows move by how far it moved. The new rows above it stay
 * hidden until the slide is over, so no button passes under the header half covered.
 */
function useSlideNewRows(events: TappedEvent[]) {
  const body = useRef<HTMLTableSectionElement>(null);
  const first = useRef<{ id: number; top: number } | null>(null);
  useLayoutEffect(() => {
    const tbody = body.current;
    if (!tbody || events.length === 0) return;
    const was = first.current;
    const row = was ? tbody.querySelector<HTMLElement>(`tr[data-id="${was.id}"]`) : null;
    if (was && row && row.offsetTop > was.top) {
      const arriving: Element[] = [];
      for (let r = tbody.firstElementChild; r && r !== row; r = r.nextElementSibling) arriving.push(r);
      for (const r of arriving) r.classList.add('tap-row-arriving');
      slideFrom(tbody, row.offsetTop - was.top, () => {
        for (const r of arriving) r.classList.remove('tap-row-arriving');
      });
    }
    const top = tbody.querySelector<HTMLElement>('tr.tap-row');
    first.current = top ? { id: Number(top.dataset.id), top: top.offsetTop } : null;
  }, [events]);
  return body;
}

export function TapStream({
  events,
  onExplain,
}: {
  events: TappedEvent[];
  /** Kept stable by the caller (a state setter), so rows stay memoized. */
  onExplain: (e: TappedEvent) => void;
}) {
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());
  const body = useSlideNewRows(events);
  const toggle = useCallback(
    (id: number) =>
      setOpen((s) => {
        const next = new Set(s);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      }),
    [],
  );
  return (
    <div className="tap-stream-frame">
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
        <tbody ref={body} className="slide-in">
          {events.map((t) => (
            <TapRow key={t.id} tapped={t} expanded={open.has(t.id)} onToggle={toggle} onExplain={onExplain} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
