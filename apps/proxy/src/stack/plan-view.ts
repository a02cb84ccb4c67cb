/**
 * What the request pipeline needs from a compiled traffic policy, as interfaces: the
 * route a request matched, its retry, fault and header filters, and the split. The
 * compiled plans in `policy/` (from the controller's `policy.watch`, or from the static
 * config's routes) implement them; the pipeline depends on nothing else.
 *
 * A target's `PolicyRef` holds the plan in force. A new revision replaces the reference
 * between requests; each request reads it once when it starts and keeps that plan to
 * its end, so a swap never changes a request in flight.
 */
import type {
  FailureAccrualPlan,
  PolicySource,
  RedirectPlan,
  ServicePortRef,
  TimeoutsPlan,
} from '@weft/shared';

/** What route matching reads of a request. Drivers implement it on their own request objects. */
export interface RequestView {
  /** Upper-case, as received. */
  readonly method: string;
  /** Origin-form with query (`/a/b?x=1`); gRPC: `/pkg.Svc/Method`. */
  readonly path: string;
  /** First value of a header (name lower-case), or undefined. */
  header(lowerName: string): string | undefined;
}

export interface RetryView {
  /** Retries per request, the first attempt not counted. */
  readonly limit: number;
  /** Each attempt's own timeout, in ms. */
  readonly timeoutMs: number | undefined;
  /** Only idempotent methods are retried (the proxy's defaults and the static config's routes). */
  readonly idempotentOnly?: boolean;
  retriesHttp(status: number): boolean;
  retriesGrpc(code: number): boolean;
}

export interface FaultView {
  /** 0: no abort, else the HTTP status to answer. `r` in [0, 1). */
  abortHttp(r: number): number;
  /** -1: no abort, else the gRPC status to answer. */
  abortGrpc(r: number): number;
  /** 0: no delay, else ms. */
  delayMs(r: number): number;
}

export interface HeaderModifierView {
  /** `[name, value, name, value, ...]` as HTTP/1 sees them. */
  applyToPairs(pairs: string[]): string[];
  /** node:http2 header objects, in place. */
  applyToObject(h: Record<string, string | string[] | undefined>): void;
}

export interface BackendView {
  readonly authority: string;
  /** The backend's Service port (per-route backend metrics). */
  readonly service?: ServicePortRef;
}

export interface RouteView {
  /** The route's policy document (HTTPRoute, GRPCRoute, default), when it has one. */
  readonly source?: PolicySource;
  readonly timeouts: TimeoutsPlan;
  readonly retry: RetryView | null;
  readonly fault: FaultView | null;
  readonly requestHeaders: HeaderModifierView | null;
  readonly responseHeaders: HeaderModifierView | null;
  readonly redirect: RedirectPlan | null;
  /** `r` in [0, 1): a weighted backend, or null to send to the parent authority. */
  pickBackend(r: number): BackendView | null;
  /** The request header modifier of one of the route's backends. */
  backendRequestHeaders(backend: BackendView): HeaderModifierView | null;
  /** The PathPrefix the request matched (for a redirect's ReplacePrefixMatch). */
  matchedPrefix(req: RequestView): string | undefined;
  /** The rule's index within its route document, when known (tap explanations). */
  readonly rule?: number;
  /** The match that holds for the request, in words (tap explanations only; may allocate). */
  matchedText?(req: RequestView): string | null;
}

/** An outbound plan: the routes of one authority. */
export interface PlanView {
  readonly revision: number;
  /** The parent Service port the routes attach to (per-route metrics); absent or null: none. */
  readonly service?: ServicePortRef | null;
  /** Consecutive-failure accrual for the authority's endpoints; absent or null: off. */
  readonly failureAccrual?: FailureAccrualPlan | null;
  /** The route a request takes, or undefined when none matches (404). */
  match(req: RequestView): RouteView | undefined;
}

/** The rules of a port, or of one HTTPRoute on its Server. */
export interface AuthzTableView {
  /** The rules, in order: the AuthorizationPolicies (or default policy) that admit callers. */
  readonly rules: readonly { readonly kind: string; readonly namespace: string; readonly name: string }[];
  /** The index of the first rule that admits the caller, or -1 (counts nothing). */
  decide(identity: string | undefined, address: string | undefined): number;
  /** Decides and counts: true to let the request through. */
  admitHttp(identity: string | undefined, address: string | undefined): boolean;
}

/** What the inbound side enforces for one of the proxy's ports. */
export interface InboundPlanView {
  readonly revision: number;
  readonly rateLimiter: {
    /** 0: admitted, else Retry-After in whole seconds. */
    admit(identity: string | undefined, nowMs: number): number;
  } | null;
  /** Who may call: decided from the caller's mTLS identity and source address only. */
  readonly authorizer: {
    readonly opaque: boolean;
    /** `server` or `default`, and the Server's (or default policy's) name. */
    readonly serverKind: string;
    readonly serverName: string;
    /** Denied callers are let through and counted (the port only audits). */
    readonly audit: boolean;
    /** The rules deciding this request (its HTTPRoute's, or the port's); null: no route matches (404). */
    forRequest(req: RequestView): AuthzTableView | null;
    admitTcp(identity: string | undefined, address: string | undefined): boolean;
    refuseAtAccept(address: string | undefined): boolean;
    /** Whether a connection from this caller would be let through (counting nothing). */
    wouldAdmitTcp(identity: string | undefined, address: string | undefined): boolean;
  };
}

/** The plan in force for one target; replaced whole when a revision arrives. */
export class PolicyRef {
  /** Outbound routes; null: the proxy's default behaviour (no routes, default retries). */
  plan: PlanView | null = null;
  /** Inbound policy of a port; null: none. */
  inbound: InboundPlanView | null = null;
  /** The plan given at start-up (the static config), kept until the controller sends one. */
  staticPlan: PlanView | null = null;
  /** The revision of the controller's policy in force; -1 before the first. */
  revision = -1;
}
