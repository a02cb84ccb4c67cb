'use client';
/**
 * A piece of view state kept in the URL's query string (shareable, survives reload).
 * Updates use `history.replaceState`, which Next's router follows without a server trip.
 */
import { useSearchParams } from 'next/navigation';
import { useCallback } from 'react';

export function useQueryParam(name: string): [string | null, (value: string | null) => void] {
  const params = useSearchParams();
  const value = params.get(name);
  const set = useCallback(
    (next: string | null) => {
      const url = new URL(window.location.href);
      if (next === null || next === '') url.searchParams.delete(name);
      else url.searchParams.set(name, next);
      window.history.replaceState(null, '', `${url.pathname}${url.search}`);
    },
    [name],
  );
  return [value, set];
}
