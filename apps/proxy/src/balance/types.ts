/**
 * The concrete tier as protocol code sees it: one authority resolved to a set of
 * endpoints, with a power-of-two-choices balancer over peak-EWMA latency in front.
 */
import type { Endpoint, FailureAccrualPlan } from '@weft/shared';
import type { TargetMetrics } from '../metrics/handles.ts';
import type { ConnectTarget } from '../transport/connector.ts';

/** One endpoint as the balancer tracks it. Stable while the endpoint stays in the set. */
export interface BalancedEndpoint extends ConnectTarget {
  /** What discovery said about it (namespace, workload, pod, meshed, identity). */
  readonly meta: Endpoint;
  /** Metrics pre-bound to this endpoint's outbound labels (direction, dst_*, authority, tls). */
  readonly metrics: TargetMetrics;
  /** True once discovery removed it: finish what runs on it, start nothing new. */
  readonly removed: boolean;
  /**
   * Load accounting for the balancer: call `begin()` when a request (or stream, or
   * opaque connection) starts on this endpoint and `end(start)` with its return value
   * when the response head arrives (or the attempt fails).
   */
  begin(): number;
  end(start: number): void;
  /**
   * Reports how an attempt ended (`ok` false: connection failure or a failure response),
   * for failure accrual; `nowMs` is epoch ms (the coarse clock will do).
   */
  recordOutcome(ok: boolean, nowMs: number): void;
}

/** A resolved, balanced destination. Cached per authority and dropped when idle. */
export interface Concrete {
  readonly authority: string;
  /**
   * Calls `cb` once the first endpoint set is known (at once if it is), or with an error
   * when resolution fails (not a mesh service and not an IP:port, or timed out).
   */
  whenReady(cb: (err: Error | null) => void): void;
  /**
   * Picks an endpoint with P2C over peak-EWMA, skipping endpoints failure accrual has
   * ejected; `undefined` when the set is empty or every endpoint is ejected.
   */
  pick(): BalancedEndpoint | undefined;
  /** Turns failure accrual on with a plan, or off with null (the default); applied per revision. */
  setFailureAccrual(plan: FailureAccrualPlan | null): void;
  /** Keeps the concrete cached while a long-lived user (tunnel, h2 connection) holds it. */
  retain(): void;
  release(): void;
}
