/**
 * The typed tRPC client for the browser: queries and mutations batched over HTTP,
 * subscriptions over SSE, both same-origin at `/trpc` (proxy.ts forwards them to the
 * controller). `useTRPC()` gives the React Query option factories.
 */
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '@weft/controller/router';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** Where the API is reached from the browser (same origin; proxy.ts forwards it). */
export const TRPC_PATH = '/trpc';

export function makeTrpcClient() {
  const url = TRPC_PATH;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url }),
        false: httpBatchLink({ url, maxItems: 10 }),
      }),
    ],
  });
}

export type { AppRouter };
