'use client';
/**
 * Whether the system asks for a dark colour scheme (`prefers-color-scheme: dark`), kept
 * current when it changes; false on the server. For widgets that take a theme as a prop
 * (the YAML editor) rather than following the page's CSS variables.
 */
import { useSyncExternalStore } from 'react';

const QUERY = '(prefers-color-scheme: dark)';

function subscribe(onChange: () => void): () => void {
  const list = window.matchMedia(QUERY);
  list.addEventListener('change', onChange);
  return () => list.removeEventListener('change', onChange);
}

export function useDarkScheme(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => window.matchMedia(QUERY).matches,
    () => false,
  );
}
