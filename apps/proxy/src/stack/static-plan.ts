/**
 * The static config's routes (`ProxyRoute`: a path prefix, a timeout, retries) as a plan
 * the pipeline runs like any other: longest prefix first, and a request no prefix
 * matches takes the proxy's defaults (it is not refused).
 */
import type { ProxyRoute, TimeoutsPlan } from '@weft/shared';
import { DEFAULT_RETRY } from './layers.ts';
import type { PlanView, RequestView, RetryView, RouteView } from './plan-view.ts';

class StatusRetry implements RetryView {
  readonly limit = DEFAULT_RETRY.limit;
  readonly timeoutMs = undefined;
  readonly idempotentOnly = true;
  constructor(private readonly statuses: readonly number[]) {}
  retriesHttp(status: number): boolean {
    return this.statuses.includes(status);
  }
  retriesGrpc(code: number): boolean {
    return DEFAULT_RETRY.retriesGrpc(code);
  }
}

class StaticRoute implements RouteView {
  readonly timeouts: TimeoutsPlan;
  readonly retry: RetryView | null;
  readonly fault = null;
  readonly requestHeaders = null;
  readonly responseHeaders = null;
  readonly redirect = null;
  constructor(
    readonly prefix: string,
    r: ProxyRoute,
  ) {
    this.timeouts = r.timeoutMs !== undefined ? { requestMs: r.timeoutMs } : {};
    this.retry = r.retries ? new StatusRetry(r.retryStatuses) : null;
  }
  pickBackend(): null {
    return null;
  }
  backendRequestHeaders(): null {
    return null;
  }
  matchedPrefix(): string {
    return this.prefix;
  }
}

/** The default route of a static plan: the proxy's default retries, no timeout. */
const DEFAULT_ROUTE: RouteView = {
  timeouts: {},
  retry: DEFAULT_RETRY,
  fault: null,
  requestHeaders: null,
  responseHeaders: null,
  redirect: null,
  pickBackend: () => null,
  backendRequestHeaders: () => null,
  matchedPrefix: () => undefined,
};

export class StaticPlan implements PlanView {
  readonly revision = 0;
  private readonly routes: StaticRoute[];

  constructor(routes: readonly ProxyRoute[]) {
    this.routes = routes
      .map((r) => new StaticRoute(r.pathPrefix, r))
      .sort((a, b) => b.prefix.length - a.prefix.length);
  }

  match(req: RequestView): RouteView {
    const path = req.path;
    const rs = this.routes;
    for (let k = 0; k < rs.length; k++) {
      const r = rs[k] as StaticRoute;
      if (path.startsWith(r.prefix)) return r;
    }
    return DEFAULT_ROUTE;
  }
}
