/**
 * The destination service: resolves an authority to the ready endpoints behind it, and
 * streams the whole set again whenever it changes, as Linkerd's `Destination.Get`.
 * Reads only the `Platform` port.
 */
import type { EndpointSet, Service } from '@weft/shared';
import { ChangeSignal } from '../core/change-signal.ts';
import type { Platform } from '../core/platform.ts';
import { parseAuthority } from './authority.ts';

export class Destination {
  readonly #platform: Platform;

  constructor(platform: Platform) {
    this.#platform = platform;
  }

  /** The current endpoint set of `authority` (empty, with `service: null`, when nothing matches). */
  get(authority: string): EndpointSet {
    const parsed = parseAuthority(authority);
    const empty: EndpointSet = { authority, service: null, endpoints: [] };
    if (!parsed) return empty;
    let service: Service | undefined;
    if (parsed.kind === 'name') {
      service = this.#platform.listServices(parsed.namespace).find((s) => s.name === parsed.name);
    } else {
      service = this.#platform.listServices().find((s) => s.clusterIP === parsed.address);
      if (!service) return this.#podAddress(authority, parsed.address, parsed.port);
    }
    if (!service?.ports.some((p) => p.port === parsed.port)) return empty;
    const ref = { namespace: service.namespace, name: service.name };
    const slice = this.#platform.listEndpoints(ref).find((e) => e.port === parsed.port);
    return { authority, service: ref, endpoints: slice?.endpoints ?? [] };
  }

  /** A pod's own address: that pod alone, when it is ready, announced as service endpoints are. */
  #podAddress(authority: string, address: string, port: number): EndpointSet {
    const endpoint = this.#platform.podEndpoint(address, port);
    return { authority, service: null, endpoints: endpoint ? [endpoint] : [] };
  }

  /** Yields the current set, then the new set after every change, until `signal` aborts. */
  async *watch(authority: string, signal?: AbortSignal): AsyncGenerator<EndpointSet> {
    const changed = new ChangeSignal();
    const unsubscribe = this.#platform.watch((e) => {
      if (e.kind !== 'rollout') changed.notify();
    });
    try {
      let last = '';
      while (!signal?.aborted) {
        const set = this.get(authority);
        const key = JSON.stringify(set);
        if (key !== last) {
          last = key;
          yield set;
        }
        await changed.wait(signal);
      }
    } finally {
      unsubscribe();
    }
  }
}
