/**
 * The static resolver: authority → endpoints from the proxy's JSON config. Authorities it
 * does not know are handed to `fallback` (the controller's stream), or answered "not a
 * service" when there is none.
 */
import type { Endpoint, EndpointSet, StaticDestination } from '@weft/shared';
import type { ResolveCallback, Resolver } from './types.ts';

const noop = (): void => {};

export class StaticResolver implements Resolver {
  private readonly sets = new Map<string, EndpointSet>();

  constructor(
    destinations: Record<string, StaticDestination>,
    private readonly fallback: Resolver | null,
  ) {
    for (const [authority, d] of Object.entries(destinations)) {
      const endpoints: Endpoint[] = d.endpoints.map((e) => ({
        address: e.address,
        port: e.port,
        pod: e.pod ?? '',
        workload: e.workload ?? '',
        namespace: e.namespace ?? '',
        meshed: e.meshed,
        ...(e.identity !== undefined ? { identity: e.identity } : {}),
      }));
      this.sets.set(authority.toLowerCase(), { authority, service: d.service, endpoints });
    }
  }

  resolve(authority: string, cb: ResolveCallback): () => void {
    const set = this.sets.get(authority);
    if (set !== undefined) {
      cb(set);
      return noop;
    }
    if (this.fallback !== null) return this.fallback.resolve(authority, cb);
    cb({ authority, service: null, endpoints: [] });
    return noop;
  }

  close(): void {
    this.fallback?.close();
  }
}
