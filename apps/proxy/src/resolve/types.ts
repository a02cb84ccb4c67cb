/**
 * Discovery as the proxy consumes it: a `Resolver` streams the full endpoint set of an
 * authority (again on every change) until unsubscribed. A set whose `service` is null
 * means "not a mesh service": the caller may then forward to an IP:port directly.
 */
import type { EndpointSet } from '@weft/shared';

/** Receives each new full set for one authority. */
export type ResolveCallback = (set: EndpointSet) => void;

export interface Resolver {
  /**
   * Starts resolving `authority` (`host:port`). `cb` may be called synchronously. Returns
   * the function that stops it.
   */
  resolve(authority: string, cb: ResolveCallback): () => void;
  /** Stops every stream (shutdown). */
  close(): void;
}
