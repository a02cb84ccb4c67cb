/**
 * One endpoint as the balancer and the pool see it: its address and discovery metadata,
 * pre-bound metrics, peak-EWMA load, and its idle keep-alive connections.
 *
 * Peak-EWMA (as Finagle and linkerd2-proxy): the latency estimate jumps up to any slower
 * observation at once and decays toward faster ones with time constant `DECAY_MS`; the
 * cost of an endpoint is that estimate times (requests pending + 1).
 */
import type { Endpoint } from '@weft/shared';
import type { TargetMetrics } from '../metrics/handles.ts';
import { FailureAccrual, type FailureAccrualPolicy } from './failure-accrual.ts';
import type { BalancedEndpoint } from './types.ts';

/** Decay time constant of the latency estimate, in ms. */
export const DECAY_MS = 10_000;
/** The latency a failed attempt counts as, in ms. */
export const FAILURE_PENALTY_MS = 100;
/** Latency assumed for an endpoint never measured, in ms. */
export const DEFAULT_RTT_MS = 1;

/** A pooled connection, as far as the endpoint's pool is concerned. */
export interface PooledConn {
  /** When it went idle (coarse ms). */
  idleSince: number;
  /** Closes it (it is then dropped from the pool by its own close handler). */
  destroy(): void;
}

/** Endpoint state: balanced, counted and pooled. */
export class EndpointState implements BalancedEndpoint {
  readonly address: string;
  readonly port: number;
  readonly meshed: boolean;
  readonly identity: string | undefined;
  readonly key: string;
  removed = false;
  /** Requests (or streams, or connections) started and not yet answered. */
  pending = 0;
  /** Peak-EWMA latency estimate in ms, and when it was last updated (performance.now()). */
  ewma = DEFAULT_RTT_MS;
  stamp = performance.now();
  /** Idle keep-alive connections, most recently used last. */
  readonly idle: PooledConn[] = [];
  /** Connections open to this endpoint (idle or busy). */
  open = 0;
  /** The balancer's failure accrual policy (null: off), and this endpoint's state under it. */
  accrualPolicy: FailureAccrualPolicy | null = null;
  readonly accrual = new FailureAccrual();

  constructor(
    readonly meta: Endpoint,
    readonly metrics: TargetMetrics,
  ) {
    this.address = meta.address;
    this.port = meta.port;
    this.meshed = meta.meshed;
    this.identity = meta.identity;
    this.key = endpointKey(meta.address, meta.port);
  }

  begin(): number {
    this.pending++;
    return performance.now();
  }

  end(start: number): void {
    if (this.pending > 0) this.pending--;
    const now = performance.now();
    const rtt = now - start;
    if (rtt > this.ewma) {
      this.ewma = rtt;
    } else {
      const w = Math.exp(-(now - this.stamp) / DECAY_MS);
      this.ewma = this.ewma * w + rtt * (1 - w);
    }
    this.stamp = now;
  }

  /**
   * A failed attempt (connection refused or reset): count it as a slow response so that
   * the balancer steers away until the estimate decays.
   */
  penalize(start: number): void {
    this.end(start - FAILURE_PENALTY_MS);
  }

  /**
   * Reports how an attempt on this endpoint ended (after each attempt, retries
   * included): `ok` false for a connection failure or a response classified as a
   * failure. Feeds failure accrual when the balancer has it on; `nowMs` is epoch ms.
   */
  recordOutcome(ok: boolean, nowMs: number): void {
    const policy = this.accrualPolicy;
    if (policy !== null) this.accrual.record(policy, ok, nowMs);
  }

  /** The balancer's cost at `now`: the decayed estimate times (pending + 1). */
  cost(now: number): number {
    const decayed = this.ewma * Math.exp(-(now - this.stamp) / DECAY_MS);
    return Math.max(decayed, 0.01) * (this.pending + 1);
  }

  /** Closes every idle connection (on removal, cache eviction or drain). */
  closeIdle(): void {
    const list = this.idle.splice(0);
    for (const c of list) c.destroy();
  }
}

/** The key of an endpoint in a set: `address:port`. */
export function endpointKey(address: string, port: number): string {
  return `${address}:${port}`;
}
