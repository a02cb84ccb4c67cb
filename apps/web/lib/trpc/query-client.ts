/**
 * The React Query client's defaults: data stays fresh between live refreshes, failed
 * queries retry once (the connection banner covers the controller being away), and
 * windows refetch on focus. An answer saying the caller is not logged in (401) sends the
 * browser to the login page.
 */
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { isUnauthenticated } from './errors.ts';

export const LOGIN_PATH = '/login';

function toLoginOn401(err: unknown): void {
  if (typeof window === 'undefined' || !isUnauthenticated(err)) return;
  if (window.location.pathname !== LOGIN_PATH) window.location.assign(LOGIN_PATH);
}

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError: toLoginOn401 }),
    mutationCache: new MutationCache({ onError: toLoginOn401 }),
    defaultOptions: {
      queries: {
        staleTime: 2_000,
        retry: (failures, err) => failures < 1 && !isUnauthenticated(err),
        retryDelay: 500,
        refetchOnWindowFocus: true,
      },
      mutations: { retry: false },
    },
  });
}
