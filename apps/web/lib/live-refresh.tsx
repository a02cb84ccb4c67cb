'use client';
/**
 * Live refresh: every metrics view polls at one interval that the user can pause. The
 * context gives the `refetchInterval` to hand to React Query (false while paused).
 */
import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';

/** How often live views poll the controller, in milliseconds. */
export const REFRESH_INTERVAL_MS = 3000;

interface LiveRefresh {
  paused: boolean;
  setPaused: (paused: boolean) => void;
  /** What to pass as React Query's `refetchInterval`. */
  interval: number | false;
}

const LiveRefreshContext = createContext<LiveRefresh>({
  paused: false,
  setPaused: () => {},
  interval: REFRESH_INTERVAL_MS,
});

export function LiveRefreshProvider({ children }: { children: ReactNode }) {
  const [paused, setPaused] = useState(false);
  const value = useMemo<LiveRefresh>(
    () => ({ paused, setPaused, interval: paused ? false : REFRESH_INTERVAL_MS }),
    [paused],
  );
  return <LiveRefreshContext value={value}>{children}</LiveRefreshContext>;
}

export function useLiveRefresh(): LiveRefresh {
  return useContext(LiveRefreshContext);
}
