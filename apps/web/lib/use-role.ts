'use client';
/**
 * The logged-in caller's role (`auth.me`), so that pages hide or disable what it may not
 * do; the API refuses it (403) either way. Undefined while unknown.
 */
import { useQuery } from '@tanstack/react-query';
import type { WhoAmI } from '@weft/shared';
import { useTRPC } from './trpc/client.ts';

export function useWhoAmI(): WhoAmI | undefined {
  const trpc = useTRPC();
  return useQuery({ ...trpc.auth.me.queryOptions(), staleTime: 60_000 }).data;
}

/** Whether the caller may mesh, unmesh, scale and read logs. */
export function useIsAdmin(): boolean {
  return useWhoAmI()?.role === 'admin';
}
