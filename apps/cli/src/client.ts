/**
 * The typed tRPC client of the controller's API: the router's TYPE only (never the
 * controller's code), queries and mutations over HTTP, subscriptions over SSE, every call
 * with the bearer token and a time limit.
 */
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import type { AppRouter } from '@weft/controller/router';
import { EventSource } from 'eventsource';
import type { Connection } from './config.ts';

/** A request that has not answered after this long fails. */
const REQUEST_TIMEOUT_MS = 15_000;

export type Api = ReturnType<typeof createTRPCClient<AppRouter>>;

export function createApi(conn: Connection): Api {
  const url = `${conn.url}/trpc`;
  const auth: Record<string, string> = conn.token ? { authorization: `Bearer ${conn.token}` } : {};
  const timedFetch: typeof fetch = (input, init) =>
    fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input: string | URL | Request, init?: RequestInit) =>
              fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...auth } }),
          }),
        }),
        false: httpLink({ url, headers: () => auth, fetch: timedFetch }),
      }),
    ],
  });
}
