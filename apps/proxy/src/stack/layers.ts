/**
 * The layers of the request pipeline, one class per job, each shared by every request
 * of a direction. A layer reads and records on the `Exchange`, then either calls
 * `ex.next()` (now, or later from the exchange's timer or a resolution) or ends the
 * request with `ex.fail(reason)` / `ex.redirect(...)`. `stack/outbound.ts` and
 * `stack/inbound.ts` put them in order.
 */
import { type ConcreteService, PickTrace } from '../balance/concrete.ts';
import type { EndpointState } from '../balance/endpoint.ts';
import { ProxyErrorReason } from '../errors/respond.ts';
import { isIdempotent } from '../http/parser.ts';
import type { TargetCache } from '../outbound/cache.ts';
import { redirectLocation } from '../policy/redirect.ts';
import { recordAuthz, recordPick } from '../tap/explain.ts';
import type { Exchange } from './exchange.ts';
import { grpcTimeoutMs } from './grpc-timeout.ts';
import type { RetryView } from './plan-view.ts';
import { routeMetricsOf } from './route-metrics.ts';

/** The largest request body kept for a retry; larger bodies are not retried. */
export const MAX_RETRY_BODY = 64 * 1024;

export interface Layer {
  enter(ex: Exchange): void;
}

/** The retry policy of a request no policy speaks for: gateway errors, two more attempts. */
export const DEFAULT_RETRY: RetryView = {
  limit: 2,
  timeoutMs: undefined,
  idempotentOnly: true,
  retriesHttp: (status: number) => status === 502 || status === 503 || status === 504,
  retriesGrpc: (code: number) => code === 14,
};

/** A route without retries: only a refused connection (the request reached nobody) is tried again. */
const CONNECT_ONLY: RetryView = {
  limit: 1,
  timeoutMs: undefined,
  idempotentOnly: true,
  retriesHttp: () => false,
  retriesGrpc: () => false,
};

/** Route match: the target's plan, read once, picks the route (404 `no-route` when none does). */
export class RouteLayer implements Layer {
  enter(ex: Exchange): void {
    const plan = (ex.target as NonNullable<Exchange['target']>).policy.plan;
    ex.plan = plan;
    if (plan !== null) {
      const route = plan.match(ex);
      if (route === undefined) {
        ex.fail(ProxyErrorReason.noRoute);
        return;
      }
      ex.route = route;
      ex.routeMetrics = routeMetricsOf(route);
    }
    ex.next();
  }
}

/**
 * The route's filters: a RequestRedirect answers at once; header modifiers are recorded
 * for the driver (request headers at dispatch, response headers on the response head).
 */
export class FilterLayer implements Layer {
  enter(ex: Exchange): void {
    const route = ex.route;
    if (route === null) {
      ex.next();
      return;
    }
    const redirect = route.redirect;
    if (redirect !== null) {
      const host =
        ex.header('host') ??
        ex.header(':authority') ??
        (ex.target as NonNullable<Exchange['target']>).authority;
      ex.redirect(
        redirect.statusCode,
        redirectLocation(redirect, 'http', host, ex.path, route.matchedPrefix(ex)),
      );
      return;
    }
    ex.requestMods = route.requestHeaders;
    ex.responseMods = route.responseHeaders;
    ex.next();
  }
}

/** HTTPFault: abort a share of the route's requests with a status, delay a share. */
export class FaultLayer implements Layer {
  enter(ex: Exchange): void {
    const fault = ex.route?.fault;
    if (fault == null) {
      ex.next();
      return;
    }
    if (ex.isGrpc) {
      const code = fault.abortGrpc(Math.random());
      if (code >= 0) {
        ex.answerGrpc = code;
        ex.fail(ProxyErrorReason.faultInjected);
        return;
      }
    } else {
      const status = fault.abortHttp(Math.random());
      if (status !== 0) {
        ex.answerStatus = status;
        ex.fail(ProxyErrorReason.faultInjected);
        return;
      }
    }
    const delay = fault.delayMs(Math.random());
    if (delay > 0) ex.armDelay(delay);
    else ex.next();
  }
}

/**
 * Inbound authorization: a caller the port's policy (or the policy of the HTTPRoute on
 * its Server the request matches) does not let in gets 403 (gRPC PERMISSION_DENIED)
 * `unauthorized`; the caller is its mTLS identity and source address. When the Server
 * has routes and none matches, 404 `no-route`.
 */
export class AuthorizeLayer implements Layer {
  enter(ex: Exchange): void {
    const inbound = (ex.target as NonNullable<Exchange['target']>).policy.inbound;
    if (inbound != null) {
      const table = inbound.authorizer.forRequest(ex);
      if (table === null) {
        ex.fail(ProxyErrorReason.noRoute);
        return;
      }
      const admitted = table.admitHttp(ex.peerIdentity(), ex.peerAddress());
      if (ex.stack?.tap?.active === true) recordAuthz(ex, inbound.authorizer, table, admitted);
      if (!admitted) {
        ex.fail(ProxyErrorReason.unauthorized);
        return;
      }
    }
    ex.next();
  }
}

/** Inbound HTTPLocalRateLimitPolicy: beyond the limit, 429 `rate-limited` with Retry-After. */
export class RateLimitLayer implements Layer {
  enter(ex: Exchange): void {
    const limiter = (ex.target as NonNullable<Exchange['target']>).policy.inbound?.rateLimiter;
    if (limiter != null) {
      const wait = limiter.admit(ex.caller(), Date.now());
      if (wait > 0) {
        ex.retryAfter = wait;
        ex.fail(ProxyErrorReason.rateLimited);
        return;
      }
    }
    ex.next();
  }
}

/**
 * Timeouts: the route's request timeout (to the response head, all attempts included)
 * becomes the exchange's deadline, or a gRPC caller's own deadline (`grpc-timeout`) when
 * that is sooner; past it, the caller gets DEADLINE_EXCEEDED. The per-attempt one
 * (backendRequest, or the retry's) is armed at each dispatch.
 */
export class TimeoutLayer implements Layer {
  enter(ex: Exchange): void {
    const route = ex.route;
    let whole: number | undefined;
    if (route !== null) {
      const t = route.timeouts;
      whole = t.requestMs ?? t.responseMs;
      ex.attemptTimeoutMs = t.backendRequestMs ?? route.retry?.timeoutMs ?? 0;
    }
    if (ex.isGrpc) {
      const caller = grpcTimeoutMs(ex.header('grpc-timeout'));
      if (caller >= 0 && (whole === undefined || caller < whole)) whole = caller;
    }
    if (whole !== undefined) {
      ex.requestDeadline = ex.start + whole;
      ex.armDeadline();
    }
    ex.next();
  }
}

/**
 * Retry policy: what is retried and how often. Without a plan, idempotent requests are
 * retried on gateway errors (the proxy's default); a route's retry plan applies to any
 * method. A body larger than the retry buffer, or of unknown length beyond it, is never
 * replayed (the driver clears `retryable` when the buffer overflows). A connect failure
 * (refused, timed out, or a TLS handshake that did not complete) is retried whatever the
 * method: no byte of the request reached the endpoint.
 */
export class RetryLayer implements Layer {
  enter(ex: Exchange): void {
    const route = ex.route;
    const retry = route === null ? DEFAULT_RETRY : (route.retry ?? CONNECT_ONLY);
    ex.retry = retry;
    // a small body is kept for a replay: a connect failure is retried whatever the method
    ex.retryable = ex.bodyLength <= MAX_RETRY_BODY;
    ex.policyRetries = retry.idempotentOnly !== true || isIdempotent(ex.method);
    ex.maxAttempts = ex.retryable ? retry.limit + 1 : 1;
    ex.next();
  }
}

/**
 * The split: a weighted backend of the route, resolved through the target cache like any
 * authority, or the parent target itself. The chosen concrete is held while the request
 * runs and gets the request's deposit in its retry budget.
 */
export class SplitLayer implements Layer {
  constructor(private readonly cache: TargetCache | null) {}

  enter(ex: Exchange): void {
    const target = ex.target as NonNullable<Exchange['target']>;
    let concrete = target.concrete as ConcreteService;
    const route = ex.route;
    if (route !== null && this.cache !== null) {
      const backend = route.pickBackend(Math.random());
      if (backend !== null) {
        ex.backendMods = route.backendRequestHeaders(backend);
        if (backend.authority !== target.authority)
          concrete = this.cache.get(backend.authority).concrete as ConcreteService;
      }
      const m = ex.routeMetrics;
      const ref = backend?.service ?? ex.plan?.service;
      if (ref != null) {
        ex.backendRef = ref;
        if (m !== null) ex.backendMetrics = m.backend(ref);
      }
    }
    ex.concrete = concrete;
    concrete.holders++;
    const now = Date.now();
    concrete.lastUsed = now;
    concrete.budget.deposit(now);
    ex.next();
  }
}

/** The balancer: P2C over peak-EWMA, avoiding the endpoint a retry follows. */
export class BalanceLayer implements Layer {
  /** Reused for every traced pick (picks run one at a time). */
  private readonly trace = new PickTrace();

  constructor(private readonly resolveMs: number) {}

  enter(ex: Exchange): void {
    const concrete = ex.concrete as ConcreteService;
    if (!concrete.ready) {
      ex.step--;
      ex.waitResolved(concrete, this.resolveMs);
      return;
    }
    const tapping = ex.stack?.tap?.active === true;
    const ep: EndpointState | undefined = concrete.pick(
      ex.endpoint ?? undefined,
      tapping ? this.trace : null,
    );
    if (tapping && ep !== undefined) recordPick(ex, this.trace);
    if (ep === undefined) {
      ex.fail(concrete.endpoints.length === 0 ? ProxyErrorReason.noEndpoints : ProxyErrorReason.loadshed);
      return;
    }
    ex.endpoint = ep;
    ex.attempts++;
    ex.next();
  }
}

/** The end of the pipeline: the driver sends the attempt over its endpoint pool. */
export class DispatchLayer implements Layer {
  enter(ex: Exchange): void {
    if (ex.attemptTimeoutMs > 0) {
      ex.attemptDeadline = performance.now() + ex.attemptTimeoutMs;
      ex.armDeadline();
    }
    const ep = ex.endpoint as EndpointState;
    ex.epStart = ep.begin();
    if (ex.backendMetrics !== null) {
      ex.backendMetrics.request();
      ex.attemptStart = performance.now();
    }
    ex.dispatch();
  }
}
