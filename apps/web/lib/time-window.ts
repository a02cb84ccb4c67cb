'use client';
/**
 * The metrics time window, kept in the URL (`?window=5m`) so a view can be shared.
 * Any value other than the four windows the API answers for falls back to the default.
 */
import { TimeWindow } from '@weft/shared';
import { useQueryParam } from './use-query-param.ts';

export const DEFAULT_WINDOW: TimeWindow = '1m';
export const WINDOWS: readonly TimeWindow[] = TimeWindow.options;

/** Parses a `window` query value; unknown values give the default. */
export function parseWindow(value: string | null | undefined): TimeWindow {
  const parsed = TimeWindow.safeParse(value);
  return parsed.success ? parsed.data : DEFAULT_WINDOW;
}

/** The current window and a setter that rewrites the URL without a reload. */
export function useTimeWindow(): [TimeWindow, (w: TimeWindow) => void] {
  const [value, set] = useQueryParam('window');
  return [parseWindow(value), set];
}

/** Appends the current window to an in-app link so it survives navigation. */
export function withWindow(href: string, window: TimeWindow): string {
  return `${href}${href.includes('?') ? '&' : '?'}window=${window}`;
}
