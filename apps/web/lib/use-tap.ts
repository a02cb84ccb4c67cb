'use client';
/**
 * A live tap from the browser: subscribes to `tap.watch` (SSE) while `running`, keeps the
 * newest `TAP_KEEP` events (newest first), each proxy's status, how many events the
 * bounds dropped, and the Live calls table (requests grouped by path). Arriving events
 * are applied in batches every 250 ms, so a busy stream re-renders at most 4 times a second.
 */
import { type TapEvent, type TapFilter, TapTop, type TapTopRow } from '@weft/shared';
import { useEffect, useRef, useState } from 'react';
import { useTRPCClient } from './trpc/client.ts';

/** The most events the page keeps. */
export const TAP_KEEP = 300;
const FLUSH_MS = 250;

export interface TappedEvent {
  /** A page-local id (for rows and the Explain panel). */
  id: number;
  event: TapEvent;
}

export interface TapState {
  events: TappedEvent[];
  top: TapTopRow[];
  /** `namespace/pod` → its status (tapping, refused, ended). */
  sources: Record<string, string>;
  dropped: number;
  error: unknown;
  /** Whether the subscription is open. */
  connected: boolean;
  clear(): void;
}

type Item =
  | { kind: 'event'; event: TapEvent }
  | { kind: 'source'; source: string; status: string }
  | { kind: 'dropped'; dropped: number };

export function useTap(filter: TapFilter, running: boolean): TapState {
  const client = useTRPCClient();
  const [events, setEvents] = useState<TappedEvent[]>([]);
  const [top, setTop] = useState<TapTopRow[]>([]);
  const [sources, setSources] = useState<Record<string, string>>({});
  const [dropped, setDropped] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [connected, setConnected] = useState(false);
  const topRef = useRef(new TapTop());
  /** The filter `topRef` counts for: a new filter starts a new table; a resume keeps it. */
  const topKey = useRef('');
  const nextId = useRef(1);
  const key = JSON.stringify(filter);

  useEffect(() => {
    if (!running) return;
    const input = JSON.parse(key) as TapFilter;
    if (topKey.current !== key) {
      topRef.current = new TapTop();
      topKey.current = key;
    }
    const top = topRef.current;
    let pending: TappedEvent[] = [];
    const flush = (): void => {
      if (pending.length === 0) return;
      const batch = pending.reverse();
      pending = [];
      setEvents((old) => [...batch, ...old].slice(0, TAP_KEEP));
      setTop(top.list());
    };
    const timer = setInterval(flush, FLUSH_MS);
    setError(null);
    setConnected(true);
    const sub = client.tap.watch.subscribe(input, {
      onData(data) {
        const item = data as Item;
        if (item.kind === 'event') {
          top.add(item.event);
          pending.push({ id: nextId.current++, event: item.event });
          if (pending.length > TAP_KEEP) pending.splice(0, pending.length - TAP_KEEP);
        } else if (item.kind === 'source') {
          setSources((s) => ({ ...s, [item.source]: item.status }));
        } else if (item.kind === 'dropped') {
          setDropped(item.dropped);
        }
      },
      onError(err) {
        setError(err);
        setConnected(false);
      },
      onComplete() {
        setConnected(false);
      },
    });
    return () => {
      // what arrived in the last instant is dropped: it may belong to the filter just replaced
      sub.unsubscribe();
      clearInterval(timer);
      pending = [];
      setConnected(false);
    };
  }, [client, key, running]);

  return {
    events,
    top,
    sources,
    dropped,
    error,
    connected,
    clear() {
      topRef.current.clear();
      setEvents([]);
      setTop([]);
      setDropped(0);
    },
  };
}
