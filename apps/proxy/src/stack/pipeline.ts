/**
 * A request pipeline: an ordered list of shared layers, composed once per direction at
 * start-up (`stack/outbound.ts`, `stack/inbound.ts`). Drivers call `start` with their
 * exchange; retries re-enter at the balancer.
 */
import type { ConnTarget } from '../detect/handoff.ts';
import type { TapHub } from '../tap/hub.ts';
import type { Exchange, StackView } from './exchange.ts';
import { BalanceLayer, type Layer } from './layers.ts';

export class RequestStack implements StackView {
  readonly balanceStep: number;

  constructor(
    readonly layers: readonly Layer[],
    readonly direction: 'outbound' | 'inbound' = 'outbound',
    readonly tap: TapHub | null = null,
  ) {
    this.balanceStep = layers.findIndex((l) => l instanceof BalanceLayer);
    if (this.balanceStep < 0) throw new Error('a request stack needs a balancer layer');
  }

  /** Runs a new request through the pipeline, toward `target`. */
  start(ex: Exchange, target: ConnTarget): void {
    ex.stack = this;
    ex.step = 0;
    ex.target = target;
    ex.next();
  }
}
