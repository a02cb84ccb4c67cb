/**
 * One request as the pipeline sees it, whatever the protocol. A protocol driver (the
 * HTTP/1 server connection, the HTTP/2 stream pair) extends `Exchange`, fills in the
 * request view, and starts its direction's `RequestStack`; the layers then decide and
 * record here (route, deadline, retry policy, backend, endpoint) and call the driver back
 * through the abstract hooks: `dispatch()` to send an attempt to `endpoint`, `fail()` to
 * answer on the proxy's behalf, `redirect()`, `abortAttempt()`.
 *
 * Nothing here allocates per request: the state lives on the driver's own object and
 * the layers are shared. The one timer an exchange may arm (request, attempt or
 * resolution deadline) exists only when a route sets a timeout or resolution is pending.
 */

import type { ServicePortRef, TapAttempt, TapEvent, TapPick } from '@weft/shared';
import type { ConcreteService } from '../balance/concrete.ts';
import type { EndpointState } from '../balance/endpoint.ts';
import type { ConnTarget } from '../detect/handoff.ts';
import { ProxyErrorReason } from '../errors/respond.ts';
import type { RouteBackendMetrics, RouteMetrics } from '../metrics/handles.ts';
import { routeErrorFor } from '../metrics/route.ts';
import { recordAttempt, tapEvent } from '../tap/event.ts';
import type { TapHub } from '../tap/hub.ts';
import type { HeaderModifierView, PlanView, RequestView, RetryView, RouteView } from './plan-view.ts';

/** Why the exchange's timer is armed. */
export const TIMER_NONE = 0;
export const TIMER_DEADLINE = 1;
export const TIMER_RESOLVE = 2;
export const TIMER_DELAY = 3;

/** The layers' view of a pipeline (see `stack/pipeline.ts`). */
export interface StackView {
  readonly layers: readonly { enter(ex: Exchange): void }[];
  /** Index of the balancer layer: retries re-enter there. */
  readonly balanceStep: number;
  /** The proxy's taps (null: tap off for this pipeline) and the pipeline's direction. */
  readonly tap: TapHub | null;
  readonly direction: 'outbound' | 'inbound';
}

export abstract class Exchange implements RequestView {
  // --- the request, set by the driver before `start` ---
  method = '';
  path = '';
  /** Whether the caller speaks gRPC (errors become gRPC statuses). */
  isGrpc = false;
  /** The body's length when known up front; -1 when chunked/streamed, 0 when none. */
  bodyLength = 0;

  // --- pipeline position and decisions ---
  stack: StackView | null = null;
  step = 0;
  target: ConnTarget | null = null;
  /** The plan read once when the request started (a newer revision does not change it). */
  plan: PlanView | null = null;
  route: RouteView | null = null;
  /** The backend concrete the split chose; `holders` counts this request while set. */
  concrete: ConcreteService | null = null;
  /** The Service port of the backend the split chose (or the parent's), when the plan names one. */
  backendRef: ServicePortRef | null = null;
  endpoint: EndpointState | null = null;
  /** Balancer token of the attempt in flight (from `endpoint.begin()`); 0 when none. */
  epStart = 0;
  /** `performance.now()` at the request head. */
  start = 0;
  attempts = 0;
  maxAttempts = 1;
  /** Whether a failed attempt may be replayed (the body is still whole in the buffer). */
  retryable = false;
  /**
   * Whether the retry policy covers this request (its method): when false, only a
   * connect failure is retried, since no byte of the request reached the endpoint.
   */
  policyRetries = false;
  retry: RetryView | null = null;
  /** Whole-request and per-attempt deadlines (`performance.now()` ms); 0 when none. */
  requestDeadline = 0;
  attemptTimeoutMs = 0;
  attemptDeadline = 0;
  /** Set once the response head went to the caller (nothing can be retried after). */
  responded = false;
  /** For answers with a status of their own (fault aborts): the HTTP status or gRPC code. */
  answerStatus = 0;
  answerGrpc = -1;
  /** `Retry-After` seconds of a rate-limited answer. */
  retryAfter = 0;
  /** Header filters of the route (and of its chosen backend), applied by the driver. */
  requestMods: HeaderModifierView | null = null;
  backendMods: HeaderModifierView | null = null;
  responseMods: HeaderModifierView | null = null;
  /** Per-route metrics of the matched route and the chosen backend; null without a Service plan. */
  routeMetrics: RouteMetrics | null = null;
  backendMetrics: RouteBackendMetrics | null = null;
  /** When the attempt in flight was sent (`performance.now()`). */
  attemptStart = 0;
  /** Why the proxy answered itself, when it did. */
  failReason: ProxyErrorReason | null = null;

  /** Each attempt's outcome, kept only while someone taps (`tap/`). */
  tapAttempts: TapAttempt[] | null = null;
  /** How the balancer picked the attempt in flight (only while someone taps). */
  tapPick: TapPick | null = null;
  /** The authorization decision, recorded only while someone taps. */
  tapAuthz: TapEvent['authorization'] = null;

  timer: NodeJS.Timeout | null = null;
  timerKind = TIMER_NONE;

  /** The request's header names, lower-case (for tap events). */
  headerNames(): readonly string[] {
    return [];
  }

  abstract header(lowerName: string): string | undefined;
  /** The caller's identity for rate limits: its mTLS identity, else its address. */
  abstract caller(): string | undefined;
  /** The identity the caller proved over mTLS (never a header); undefined for plaintext. */
  abstract peerIdentity(): string | undefined;
  /** The caller's source address. */
  abstract peerAddress(): string | undefined;
  /** Sends the attempt to `this.endpoint` (replaying a buffered body on a retry). */
  abstract dispatch(): void;
  /** Answers the caller on the proxy's behalf (unless already answered). */
  abstract fail(reason: ProxyErrorReason): void;
  /** Answers with a redirect. */
  abstract redirect(status: number, location: string): void;
  /** Drops the attempt in flight (its deadline passed), without answering. */
  abstract abortAttempt(): void;
  /** True once the caller is gone or answered: nothing more to do. */
  abstract get gone(): boolean;

  /** Runs the next layer. */
  next(): void {
    const layer = (this.stack as StackView).layers[this.step++];
    if (layer !== undefined) layer.enter(this);
  }

  /** Re-enters the pipeline at the balancer for another attempt. */
  again(): void {
    this.routeMetrics?.retry();
    this.step = (this.stack as StackView).balanceStep;
    this.next();
  }

  /** An attempt ended: its response status (0: none), gRPC status, or the failure instead. */
  attemptDone(status: number, grpcStatus: number | null, reason: ProxyErrorReason | null): void {
    const tap = this.stack?.tap;
    if (tap?.active === true) recordAttempt(this, status, grpcStatus, reason);
    const m = this.backendMetrics;
    if (m === null || this.attemptStart === 0) return;
    m.done(
      status,
      grpcStatus,
      reason === null ? null : routeErrorFor(reason),
      performance.now() - this.attemptStart,
    );
    this.attemptStart = 0;
  }

  /** The request ended (answered, or failed): counted on its route once. */
  requestDone(status: number, grpcStatus: number | null): void {
    const s = this.stack;
    if (s !== null && s.tap?.active === true && s.tap.wants())
      s.tap.publish(tapEvent(s.tap, s.direction, this, status, grpcStatus));
    const m = this.routeMetrics;
    if (m === null) return;
    this.routeMetrics = null;
    const reason = this.failReason;
    m.requestDone(
      status,
      grpcStatus,
      reason === null ? null : routeErrorFor(reason),
      performance.now() - this.start,
    );
    if (this.attempts > 1 && reason === null) m.retrySucceeded();
  }

  /** Resets the pipeline state for a new request on a reused driver object. */
  resetExchange(): void {
    this.clearTimer();
    const c = this.concrete;
    if (c !== null) {
      c.holders--;
      this.concrete = null;
    }
    this.backendRef = null;
    this.stack = null;
    this.step = 0;
    this.target = null;
    this.plan = null;
    this.route = null;
    this.endpoint = null;
    this.epStart = 0;
    this.attempts = 0;
    this.maxAttempts = 1;
    this.retryable = false;
    this.policyRetries = false;
    this.retry = null;
    this.requestDeadline = 0;
    this.attemptTimeoutMs = 0;
    this.attemptDeadline = 0;
    this.responded = false;
    this.answerStatus = 0;
    this.answerGrpc = -1;
    this.retryAfter = 0;
    this.requestMods = null;
    this.backendMods = null;
    this.responseMods = null;
    this.routeMetrics = null;
    this.backendMetrics = null;
    this.attemptStart = 0;
    this.failReason = null;
    this.tapAttempts = null;
    this.tapPick = null;
    this.tapAuthz = null;
    this.isGrpc = false;
    this.bodyLength = 0;
  }

  // === the timer ===

  /** Arms the timer for the nearest of the request and attempt deadlines. */
  armDeadline(): void {
    const r = this.requestDeadline;
    const a = this.attemptDeadline;
    const at = r === 0 ? a : a === 0 ? r : Math.min(r, a);
    this.clearTimer();
    if (at === 0) return;
    this.timerKind = TIMER_DEADLINE;
    this.timer = setTimeout(onExchangeTimer, Math.max(0, at - performance.now()), this);
  }

  /** Arms the timer to resume the pipeline after a fault's delay. */
  armDelay(ms: number): void {
    this.clearTimer();
    this.timerKind = TIMER_DELAY;
    this.timer = setTimeout(onExchangeTimer, ms, this);
  }

  clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.timerKind = TIMER_NONE;
  }

  /** Waits for `concrete` to resolve (at most `ms` unless a request deadline is nearer). */
  waitResolved(concrete: ConcreteService, ms: number): void {
    if (this.requestDeadline === 0) {
      this.clearTimer();
      this.timerKind = TIMER_RESOLVE;
      this.timer = setTimeout(onExchangeTimer, ms, this);
    }
    // a closure only on this rare path (an authority's first resolution): it names the
    // concrete, so a late answer for an earlier request on a reused exchange is ignored
    concrete.whenReady((err) => this.onResolved(concrete, err));
  }

  private onResolved(concrete: ConcreteService, err: Error | null): void {
    if (this.gone || this.endpoint !== null || this.stack === null || concrete !== this.concrete) return;
    if (this.timerKind === TIMER_RESOLVE) this.clearTimer();
    if (err !== null) {
      const reason = (err as { reason?: ProxyErrorReason }).reason ?? ProxyErrorReason.unresolvable;
      this.fail(reason);
      return;
    }
    this.next(); // the balancer layer again (it stepped back), now that endpoints are known
  }

  /** The timer fired. */
  onTimer(): void {
    const kind = this.timerKind;
    this.timer = null;
    this.timerKind = TIMER_NONE;
    if (this.gone) return;
    if (kind === TIMER_DELAY) {
      this.next();
      return;
    }
    if (kind === TIMER_RESOLVE) {
      if (this.endpoint === null && !this.responded) this.fail(ProxyErrorReason.resolveTimeout);
      return;
    }
    if (this.responded) return;
    const now = performance.now();
    if (this.requestDeadline !== 0 && now >= this.requestDeadline - 1) {
      this.fail(ProxyErrorReason.requestTimeout);
      return;
    }
    if (this.attemptDeadline === 0 || now < this.attemptDeadline - 1) {
      // fired early (timers run on the event loop's cached clock, which lags under load)
      this.armDeadline();
      return;
    }
    // the attempt's own timeout: drop it and retry if allowed
    this.attemptDeadline = 0;
    this.abortAttempt();
    if (mayRetry(this, false)) this.again();
    else this.fail(ProxyErrorReason.requestTimeout);
  }
}

function onExchangeTimer(ex: Exchange): void {
  ex.onTimer();
}

/**
 * Whether a failed attempt may be retried now; takes the retry from the backend's budget
 * unless `stale` (a keep-alive race, not an endpoint failure). A `connectFailure` (the
 * connection, or its TLS handshake, never opened) is retried whatever the method.
 */
export function mayRetry(ex: Exchange, stale: boolean, connectFailure = false): boolean {
  if (!ex.retryable || ex.responded || ex.concrete === null) return false;
  if (!connectFailure && !ex.policyRetries) return false;
  if (ex.attempts >= ex.maxAttempts) {
    if (ex.maxAttempts > 1) ex.routeMetrics?.retryLimitExceeded();
    return false;
  }
  if (stale) return true;
  if (ex.concrete.budget.withdraw(Date.now())) return true;
  ex.routeMetrics?.retryOverflow();
  return false;
}

/** Whether a response status is retried by the exchange's policy (and the retry is allowed). */
export function retriesStatus(ex: Exchange, status: number): boolean {
  return ex.retry?.retriesHttp(status) === true && mayRetry(ex, false);
}

/** Whether a gRPC status (from a trailers-only response) is retried. */
export function retriesGrpc(ex: Exchange, code: number): boolean {
  return ex.retry?.retriesGrpc(code) === true && mayRetry(ex, false);
}
