'use client';
/**
 * The "controller unreachable" banner. Polls `health.get` on its own (even while live
 * refresh is paused); when the controller answers again the banner goes away and every
 * query is refetched, so the page recovers without a reload.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useTRPC } from '../lib/trpc/client.ts';
import { describeError, isUnauthenticated, isUnreachable } from '../lib/trpc/errors.ts';

const UP_INTERVAL_MS = 5000;
const DOWN_INTERVAL_MS = 1500;

export function ConnectionBanner() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const health = useQuery({
    ...trpc.health.get.queryOptions(undefined, { retry: false }),
    refetchInterval: (q) => (q.state.status === 'error' ? DOWN_INTERVAL_MS : UP_INTERVAL_MS),
    refetchIntervalInBackground: true,
  });
  const down = health.isError && isUnreachable(health.error);
  const wasDown = useRef(false);
  useEffect(() => {
    if (down) wasDown.current = true;
    else if (wasDown.current && health.isSuccess) {
      wasDown.current = false;
      void queryClient.invalidateQueries();
    }
  }, [down, health.isSuccess, queryClient]);

  // Not logged in is not a controller problem: the login page says what to do.
  if (health.isError && !down && !isUnauthenticated(health.error)) {
    return (
      <div className="banner banner-warn" role="alert" aria-label="Controller error">
        The controller answered with an error: {describeError(health.error)}
      </div>
    );
  }
  if (!down) return null;
  return (
    <div className="banner banner-error" role="alert" aria-label="Controller unreachable">
      <strong>Controller unreachable.</strong> The dashboard cannot reach the Weft controller; showing the
      last data received. Retrying every {DOWN_INTERVAL_MS / 1000} s…
    </div>
  );
}
