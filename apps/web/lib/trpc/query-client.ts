/**
 * The React Query client's defaults: data stays fresh between live refreshes, failed
 * queries retry once (the connection banner covers the controller being away), and
 * windows refetch on focus.
 */
import { QueryClient } from '@tanstack/react-query';

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 2_000,
        retry: 1,
        retryDelay: 500,
        refetchOnWindowFocus: true,
      },
      mutations: { retry: false },
    },
  });
}
