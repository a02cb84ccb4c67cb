/**
 * What a region shows while its query has no data: a loading line, or the error in
 * words. Regions with data render their children, even while a refetch fails (the
 * connection banner says so), so the last data stays on screen.
 */
import type { ReactNode } from 'react';
import { describeError } from '../lib/trpc/errors.ts';

export interface QueryLike {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  data?: unknown;
}

export function QueryState({
  query,
  what,
  children,
}: {
  query: QueryLike;
  what: string;
  children: ReactNode;
}) {
  if (query.isPending) {
    return (
      <p className="state-loading" role="status">
        Loading {what}…
      </p>
    );
  }
  if (query.isError && query.data === undefined) {
    return (
      <p className="state-error" role="alert">
        Could not load {what}. {describeError(query.error)}
      </p>
    );
  }
  return <>{children}</>;
}
