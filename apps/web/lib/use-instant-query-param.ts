'use client';
/**
 * A piece of view state kept in the URL (as `useQueryParam`) whose changes show at once:
 * a new value is this component's state from the moment it is set, and the URL follows
 * `SYNC_MS` later. Next's router follows a URL
 * change with a low-priority re-render of the whole page in 5 ms slices; read from the
 * URL alone, a topology filter waited ~110 ms for it before anything was drawn.
 * The URL stays the truth: once it changes (caught up, back/forward, a followed link),
 * its value is the one used, and a write still waiting is dropped.
 */
import { useCallback, useEffect, useState } from 'react';
import { useQueryParam } from './use-query-param.ts';

/**
 * How long the URL lags behind a change, ms: long enough for a new shape to be drawn
 * first (the router's re-render, started any sooner, held back its frames in bench:web).
 */
const SYNC_MS = 400;

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
    const id = setTimeout(() => setUrl(local.value), SYNC_MS);
    return () => clearTimeout(id);
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
