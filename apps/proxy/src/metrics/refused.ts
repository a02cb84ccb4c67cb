/**
 * `tcp_accept_refused_total`: connections a listener closed at once because it was at
 * its cap, labelled with the direction, the listener and which cap (`reason="total"` or
 * `"per_source"`). A handful of label sets, fixed by the listeners.
 */
import type { Registry } from 'prom-client';
import { CollectedMetric, type Labels, type MetricValue } from './collected.ts';

export const REFUSED_METRIC = 'tcp_accept_refused_total';

/** Which cap turned a connection away. */
export type RefusedReason = 'total' | 'per_source';

/** The counter of one listener and reason. */
export interface RefusedCount {
  n: number;
}

export class RefusedMetrics {
  readonly #sets = new Map<string, { labels: Labels; count: RefusedCount }>();
  readonly #own: Labels;

  constructor(own: Labels) {
    this.#own = own;
  }

  /** The counter for `listener` (e.g. `outbound`, `inbound:4143`) and `reason`. */
  counter(direction: 'inbound' | 'outbound', listener: string, reason: RefusedReason): RefusedCount {
    const key = `${listener}\0${reason}`;
    let set = this.#sets.get(key);
    if (set === undefined) {
      set = { labels: { direction, ...this.#own, listener, reason }, count: { n: 0 } };
      this.#sets.set(key, set);
    }
    return set.count;
  }

  register(registry: Registry): void {
    const sets = this.#sets;
    registry.registerMetric(
      new CollectedMetric(
        REFUSED_METRIC,
        'Connections closed at accept because the listener was at its connection cap.',
        'counter',
        () => {
          const out: MetricValue[] = [];
          for (const s of sets.values()) if (s.count.n > 0) out.push({ labels: s.labels, value: s.count.n });
          return out;
        },
      ) as never,
    );
  }
}
