'use client';
/**
 * A piece of view state kept in the URL (as `useQueryParam`) whose changes show at once:
 * a new value is this component's state from the moment it is set, and the URL follows
 * `SYNC_MS` later. Next's router follows a URL
 * change with a low-priority re-render of the whole page in 5 ms slices; read from the
 * URL alone, a topology filter waited ~110 ms for it before anything was drawn.
 * The URL stays the truth: once it changes (caught up, back/forward, a followed link),
 * its value is the one used, and a write still waiting is dropped.
 *
 * Leaving the page does not lose a value set less than `SYNC_MS` before: a followed link,
 * a page hide (reload, close) and the app's own navigations (`flushQueryParams` before a
 * `router.push`) first write what is waiting, so the history entry left behind, the one
 * back returns to, holds it.
 */
import { useCallback, useEffect, useState } from 'react';
import { useQueryParam } from './use-query-param.ts';

/**
 * How long the URL lags behind a change, ms: long enough for a new shape to be drawn
 * first (the router's re-render, started any sooner, held back its frames in bench:web).
 */
const SYNC_MS = 400;

/** Writes waiting for their turn, each ready to be done at once. */
const waiting = new Set<() => void>();

/** Writes every value still waiting into the URL now (before navigating away). */
export function flushQueryParams(): void {
  for (const write of [...waiting]) write();
}

/** A click on a link: what waits is written before the router follows it. */
function onDocumentClick(event: MouseEvent): void {
  if (event.target instanceof Element && event.target.closest('a[href]') !== null) flushQueryParams();
}

function listenWhileWaiting(): void {
  if (waiting.size !== 1) return;
  // Capture phase: before the link's own handler starts the navigation.
  document.addEventListener('click', onDocumentClick, true);
  window.addEventListener('pagehide', flushQueryParams);
}

function stopListeningWhenDone(): void {
  if (waiting.size !== 0) return;
  document.removeEventListener('click', onDocumentClick, true);
  window.removeEventListener('pagehide', flushQueryParams);
}

interface Local {
  /** The URL's value when this one was set. */
  url: string | null;
  value: string | null;
}

export function useInstantQueryParam(name: string): [string | null, (value: string | null) => void] {
  const [url, setUrl] = useQueryParam(name);
  const [local, setLocal] = useState<Local | null>(null);
  // The URL moved since the value was set: it wins (and may be that very value).
  const stale = local !== null && local.url !== url;
  if (stale) setLocal(null);
  const value = local !== null && !stale ? local.value : url;

  useEffect(() => {
    if (local === null) return;
    const write = () => {
      clearTimeout(id);
      waiting.delete(write);
      stopListeningWhenDone();
      setUrl(local.value);
    };
    const id = setTimeout(write, SYNC_MS);
    waiting.add(write);
    listenWhileWaiting();
    return () => {
      clearTimeout(id);
      waiting.delete(write);
      stopListeningWhenDone();
    };
  }, [local, setUrl]);

  const set = useCallback(
    (next: string | null) => {
      const v = next === '' ? null : next;
      setLocal(v === url ? null : { url, value: v });
    },
    [url],
  );
  return [value, set];
}
