/**
 * API errors in words: what a person reading the page should see for an error from a
 * query or mutation, and whether it means the controller cannot be reached at all.
 */
import { TRPCClientError } from '@trpc/client';

/** Status the proxy answers with when the controller does not answer. */
export const UNREACHABLE_STATUS = 502;

/**
 * True when the error says the controller could not be reached (network or proxy 502/503/504).
 * An error carrying the controller's own code (`meshCode`) was answered by the controller, even
 * with a 503 (a replica still starting, a cluster without the CRD): its message is what to show.
 */
export function isUnreachable(err: unknown): boolean {
  if (!(err instanceof TRPCClientError)) return err instanceof TypeError;
  if (typeof err.data?.meshCode === 'string') return false;
  const status = (err.meta?.response as { status?: number } | undefined)?.status ?? err.data?.httpStatus;
  if (status === UNREACHABLE_STATUS || status === 503 || status === 504) return true;
  return (
    err.cause instanceof TypeError ||
    /fetch failed|Failed to fetch|NetworkError|Unable to transform/i.test(err.message)
  );
}

/** True when the API says the caller is not logged in (or the session ended): 401. */
export function isUnauthenticated(err: unknown): boolean {
  if (!(err instanceof TRPCClientError)) return false;
  const status = (err.meta?.response as { status?: number } | undefined)?.status ?? err.data?.httpStatus;
  return status === 401 || err.data?.code === 'UNAUTHORIZED';
}

/** True when the API refuses for the caller's role: 403. */
export function isForbidden(err: unknown): boolean {
  return err instanceof TRPCClientError && (err.data?.httpStatus === 403 || err.data?.code === 'FORBIDDEN');
}

/** A sentence that says what went wrong. */
export function describeError(err: unknown): string {
  if (isUnreachable(err)) return 'The controller cannot be reached.';
  if (err instanceof TRPCClientError) {
    const code = err.data?.code as string | undefined;
    const prefix =
      code === 'NOT_FOUND'
        ? 'Not found'
        : code === 'FORBIDDEN'
          ? 'Not allowed'
          : code === 'BAD_REQUEST'
            ? 'Invalid request'
            : code === 'SERVICE_UNAVAILABLE'
              ? 'Not possible right now'
              : 'The API answered with an error';
    return `${prefix}: ${err.message}`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
