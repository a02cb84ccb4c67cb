/**
 * `weft_h2_flood_closed_total{kind}`: HTTP/2 client connections the proxy closed with
 * GOAWAY ENHANCE_YOUR_CALM because they went past a flood limit (`h2/flood-guard.ts`):
 * `kind` is `reset` (rapid reset), `ping` or `settings`.
 */
import { H2_FLOOD_CLOSED_METRIC } from '@weft/shared';
import type { Registry } from 'prom-client';
import { CollectedMetric, type Labels } from './collected.ts';

/** What a connection went past: streams reset before an answer, PING or SETTINGS frames. */
export type H2FloodKind = 'reset' | 'ping' | 'settings';

/** The counts, one field per kind, incremented by the flood guard. */
export class H2FloodMetrics {
  reset = 0;
  ping = 0;
  settings = 0;

  constructor(private readonly own: Labels) {}

  closed(kind: H2FloodKind): void {
    this[kind]++;
  }

  register(registry: Registry): void {
    registry.registerMetric(
      new CollectedMetric(
        H2_FLOOD_CLOSED_METRIC,
        'HTTP/2 client connections closed with GOAWAY ENHANCE_YOUR_CALM past a flood limit.',
        'counter',
        () =>
          (['reset', 'ping', 'settings'] as const).map((kind) => ({
            labels: { ...this.own, kind },
            value: this[kind],
          })),
      ) as never,
    );
  }
}
