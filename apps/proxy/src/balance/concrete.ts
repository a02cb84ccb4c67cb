/**
 * The concrete tier: one authority resolved to a set of endpoints, balanced per request
 * with power-of-two-choices over peak-EWMA cost. Updates from discovery are diffed into
 * the set: new endpoints join, removed ones stop being picked but finish what runs on
 * them (their idle connections close; busy ones close when their request ends).
 */
import type { Endpoint, FailureAccrualPlan, ProxyRoute } from '@weft/shared';
import { ProxyError, ProxyErrorReason } from '../errors/respond.ts';
import type { TargetMetrics } from '../metrics/handles.ts';
import { RetryBudget, type RetryBudgetOptions } from './budget.ts';
import { EndpointState, endpointKey } from './endpoint.ts';
import { FailureAccrualPolicy } from './failure-accrual.ts';
import type { Concrete } from './types.ts';

/** Builds the metrics handles of an endpoint of this concrete (once per endpoint). */
export type EndpointMetricsFactory = (authority: string, ep: Endpoint) => TargetMetrics;

/** Why a traced pick chose its endpoint (`PickTrace.reason`). */
export const PICK_ONLY = 0;
export const PICK_LOWER_COST = 1;
export const PICK_AVOIDED = 2;
export const PICK_ACCRUAL = 3;

/**
 * What one pick weighed: the chosen endpoint, the other one drawn (null when there was
 * only one) and why. Filled only when the caller passes one (while someone taps), so an
 * untraced pick writes nothing.
 */
export class PickTrace {
  chosen: EndpointState | null = null;
  other: EndpointState | null = null;
  reason = PICK_ONLY;
}

const READY = 1;
const PENDING = 0;
const FAILED = 2;

/** A resolved, balanced destination. */
export class ConcreteService implements Concrete {
  /** Endpoints that may be picked. */
  endpoints: EndpointState[] = [];
  private readonly byKey = new Map<string, EndpointState>();
  private state = PENDING;
  private error: Error | null = null;
  private waiters: ((err: Error | null) => void)[] = [];
  /** Routes matched by path prefix, longest first; empty means defaults. */
  routes: ProxyRoute[] = [];
  readonly budget: RetryBudget;
  /** Users holding it (tunnels, h2 connections) and requests in flight. */
  holders = 0;
  /** Last use (coarse ms), for idle eviction. */
  lastUsed = 0;
  /** Metrics for answers given before any endpoint was chosen (authority labels only). */
  authorityMetrics: TargetMetrics | null = null;
  /** Called when the cache drops it: unsubscribes discovery. */
  onDrop: (() => void) | null = null;
  /** Failure accrual (null: off). */
  private accrual: FailureAccrualPolicy | null = null;

  constructor(
    readonly authority: string,
    private readonly metricsFor: EndpointMetricsFactory,
    budget: RetryBudgetOptions,
  ) {
    this.budget = new RetryBudget(budget);
  }

  get ready(): boolean {
    return this.state === READY;
  }

  whenReady(cb: (err: Error | null) => void): void {
    if (this.state === READY) cb(null);
    else if (this.state === FAILED) cb(this.error);
    else this.waiters.push(cb);
  }

  /** Applies a full endpoint set from discovery. */
  update(set: readonly Endpoint[]): void {
    const seen = new Set<string>();
    const next: EndpointState[] = [];
    for (const ep of set) {
      const key = endpointKey(ep.address, ep.port);
      if (seen.has(key)) continue;
      seen.add(key);
      let st = this.byKey.get(key);
      if (
        st === undefined ||
        st.meta.workload !== ep.workload ||
        st.meta.namespace !== ep.namespace ||
        st.meta.pod !== ep.pod
      ) {
        if (st !== undefined) this.retire(st);
        st = new EndpointState(ep, this.metricsFor(this.authority, ep));
        st.accrualPolicy = this.accrual;
        this.byKey.set(key, st);
      }
      next.push(st);
    }
    for (const [key, st] of this.byKey) {
      if (!seen.has(key)) {
        this.byKey.delete(key);
        this.retire(st);
      }
    }
    this.endpoints = next;
    this.settle(null);
  }

  /** Resolution failed for good (not a service, not an IP:port; or timed out). */
  fail(err: Error): void {
    if (this.state === READY) return;
    this.state = FAILED;
    this.error = err;
    this.flush(err);
  }

  /**
   * Power of two choices: two distinct random endpoints, the cheaper one wins. `avoid`
   * (the endpoint a retry follows) loses to any other. With failure accrual on, ejected
   * endpoints are skipped, and undefined means every endpoint is ejected.
   */
  pick(avoid?: EndpointState, trace: PickTrace | null = null): EndpointState | undefined {
    const eps = this.endpoints;
    const n = eps.length;
    if (n === 0) return undefined;
    if (this.accrual !== null) return this.pickAccruing(eps, avoid, this.accrual, trace);
    if (n === 1) {
      if (trace !== null) traced(trace, eps[0] as EndpointState, null, PICK_ONLY);
      return eps[0];
    }
    const i = Math.floor(Math.random() * n);
    let j = Math.floor(Math.random() * (n - 1));
    if (j >= i) j++;
    const a = eps[i] as EndpointState;
    const b = eps[j] as EndpointState;
    const chosen = cheaper(a, b, avoid);
    if (trace !== null) tracedPair(trace, chosen, chosen === a ? b : a, avoid);
    return chosen;
  }

  /**
   * Turns failure accrual on (a plan) or off (null), as a policy revision says. The same
   * plan again keeps every endpoint's state; a different one or off starts afresh.
   */
  setFailureAccrual(plan: FailureAccrualPlan | null): void {
    const cur = this.accrual;
    if (plan === null ? cur === null : cur?.sameAs(plan)) return;
    const next = plan === null ? null : new FailureAccrualPolicy(plan);
    this.accrual = next;
    for (const st of this.byKey.values()) {
      st.accrualPolicy = next;
      st.accrual.reset();
    }
  }

  /** P2C among the endpoints failure accrual lets through; a pick after a penalty is a probe. */
  private pickAccruing(
    eps: EndpointState[],
    avoid: EndpointState | undefined,
    policy: FailureAccrualPolicy,
    trace: PickTrace | null,
  ): EndpointState | undefined {
    const n = eps.length;
    const now = Date.now();
    let chosen: EndpointState | undefined;
    if (n === 1) {
      chosen = eps[0] as EndpointState;
      if (!chosen.accrual.pickable(now)) return undefined;
      if (trace !== null) traced(trace, chosen, null, PICK_ONLY);
    } else {
      const i = Math.floor(Math.random() * n);
      let j = Math.floor(Math.random() * (n - 1));
      if (j >= i) j++;
      const a = eps[i] as EndpointState;
      const b = eps[j] as EndpointState;
      const aOk = a.accrual.pickable(now);
      const bOk = b.accrual.pickable(now);
      if (aOk && bOk) {
        chosen = cheaper(a, b, avoid);
        if (trace !== null) tracedPair(trace, chosen, chosen === a ? b : a, avoid);
      } else if (aOk) chosen = a;
      else if (bOk) chosen = b;
      else {
        // Both drawn are out: the first one in the pool, from a random start.
        for (let k = 1; k < n && chosen === undefined; k++) {
          const c = eps[(i + k) % n] as EndpointState;
          if (c.accrual.pickable(now)) chosen = c;
        }
        if (chosen === undefined) return undefined;
      }
      if (trace !== null && !(aOk && bOk)) traced(trace, chosen, chosen === a ? b : a, PICK_ACCRUAL);
    }
    chosen.accrual.picked(policy, now);
    return chosen;
  }

  /** The route for a request path: the first whose prefix matches, or undefined. */
  route(path: string): ProxyRoute | undefined {
    const rs = this.routes;
    for (let k = 0; k < rs.length; k++) {
      const r = rs[k] as ProxyRoute;
      if (path.startsWith(r.pathPrefix)) return r;
    }
    return undefined;
  }

  retain(): void {
    this.holders++;
  }

  release(): void {
    if (this.holders > 0) this.holders--;
  }

  /** Drops every endpoint (cache eviction or shutdown). */
  close(): void {
    for (const st of this.byKey.values()) this.retire(st);
    this.byKey.clear();
    this.endpoints = [];
    this.onDrop?.();
    this.onDrop = null;
    if (this.state === PENDING) this.fail(new ProxyError(ProxyErrorReason.draining, 'destination dropped'));
  }

  /** Every endpoint still tracked (for pool sweeps). */
  all(): IterableIterator<EndpointState> {
    return this.byKey.values();
  }

  private retire(st: EndpointState): void {
    st.removed = true;
    st.metrics.release?.();
    st.closeIdle();
  }

  private settle(err: Error | null): void {
    this.state = READY;
    this.error = null;
    this.flush(err);
  }

  private flush(err: Error | null): void {
    const ws = this.waiters;
    if (ws.length === 0) return;
    this.waiters = [];
    for (const w of ws) w(err);
  }
}

function traced(t: PickTrace, chosen: EndpointState, other: EndpointState | null, reason: number): void {
  t.chosen = chosen;
  t.other = other;
  t.reason = reason;
}

function tracedPair(
  t: PickTrace,
  chosen: EndpointState,
  other: EndpointState,
  avoid: EndpointState | undefined,
): void {
  traced(t, chosen, other, other === avoid ? PICK_AVOIDED : PICK_LOWER_COST);
}

/** The cheaper of two endpoints by peak-EWMA cost; `avoid` loses to the other. */
function cheaper(a: EndpointState, b: EndpointState, avoid: EndpointState | undefined): EndpointState {
  if (a === avoid) return b;
  if (b === avoid) return a;
  const now = performance.now();
  return a.cost(now) <= b.cost(now) ? a : b;
}
