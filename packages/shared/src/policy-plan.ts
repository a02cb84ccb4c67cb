/**
 * What the controller streams to a proxy on `policy.watch`: traffic policy already
 * resolved, ordered and defaulted for one authority (outbound) or one of the proxy's own
 * ports (inbound). The controller compiles these from the user's documents (HTTPRoute,
 * GRPCRoute, annotations, HTTPLocalRateLimitPolicy, HTTPFault); the proxy turns each into
 * an immutable plan when it arrives and never recomputes it per request.
 */
import { z } from 'zod';
import { ALLOW_ALL_AUTHZ, InboundAuthzPlan } from './authz-plan.ts';
import { lazy } from './lazy.ts';
import { RouteMatchPlan } from './route-match.ts';
import { Authority, WorkloadRef } from './workload.ts';

/** A Service port a route attaches to or sends to. */
export const ServicePortRef = z.object({
  namespace: z.string().min(1),
  name: z.string().min(1),
  port: z.number().int().min(1).max(65535),
});
export type ServicePortRef = z.infer<typeof ServicePortRef>;

/** Which object a plan entry came from, for metrics labels, tap and errors. */
export const PolicySource = z.object({
  /** `HTTPRoute`, `GRPCRoute`, or `default` for the implicit route of a Service with none. */
  kind: z.string().min(1),
  namespace: z.string(),
  name: z.string(),
});
export type PolicySource = z.infer<typeof PolicySource>;

export { PathMatchPlan, RouteMatchPlan, ValueMatchPlan } from './route-match.ts';

export const HeaderModifierPlan = z.object({
  set: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
  add: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
  remove: z.array(z.string()).default([]),
});
export type HeaderModifierPlan = z.infer<typeof HeaderModifierPlan>;

export const RedirectPlan = z.object({
  scheme: z.enum(['http', 'https']).optional(),
  hostname: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  path: z.object({ type: z.enum(['ReplaceFullPath', 'ReplacePrefixMatch']), value: z.string() }).optional(),
  statusCode: z
    .union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)])
    .default(302),
});
export type RedirectPlan = z.infer<typeof RedirectPlan>;

/** HTTPFault: abort and/or delay a share of the route's requests. */
export const FaultPlan = z.object({
  source: PolicySource,
  abort: z
    .object({
      /** 0–100. */
      percent: z.number().min(0).max(100),
      httpStatus: z.number().int().min(200).max(599).optional(),
      /** gRPC status code (0–16), answered to gRPC callers instead of `httpStatus`. */
      grpcStatus: z.number().int().min(0).max(16).optional(),
    })
    .optional(),
  delay: z.object({ percent: z.number().min(0).max(100), ms: z.number().int().nonnegative() }).optional(),
});
export type FaultPlan = z.infer<typeof FaultPlan>;

/** Inclusive status range, e.g. 500–599 for `5xx`, 502–504 for `gateway-error`. */
export const StatusRange = z.object({ min: z.number().int(), max: z.number().int() });
export type StatusRange = z.infer<typeof StatusRange>;

/** Retries, as Linkerd 2.16's `retry.linkerd.io/*` annotations say them. */
export const RetryPlan = z.object({
  /** Responses retried for HTTP callers. Empty: none (connection failures are still retried). */
  httpStatuses: z.array(StatusRange).default([]),
  /** gRPC status codes retried for gRPC callers. */
  grpcCodes: z.array(z.number().int().min(0).max(16)).default([]),
  /** Retries per request (not counting the first attempt). */
  limit: z.number().int().min(0).max(10).default(1),
  /** Each attempt's own timeout, in ms. */
  timeoutMs: z.number().int().positive().optional(),
});
export type RetryPlan = z.infer<typeof RetryPlan>;

export const TimeoutsPlan = z.object({
  /** Whole request, all retries included, to the end of the response (Gateway API `timeouts.request`, `timeout.linkerd.io/request`). */
  requestMs: z.number().int().positive().optional(),
  /** One attempt to one backend (Gateway API `timeouts.backendRequest`). */
  backendRequestMs: z.number().int().positive().optional(),
  /** Until the response head (`timeout.linkerd.io/response`). */
  responseMs: z.number().int().positive().optional(),
  /** A stream with no data either way for this long is reset (`timeout.linkerd.io/idle`). */
  idleMs: z.number().int().positive().optional(),
});
export type TimeoutsPlan = z.infer<typeof TimeoutsPlan>;

/** One backend of a split. `authority` is resolved with `destination.get` like any other. */
export const BackendPlan = z.object({
  authority: Authority,
  service: ServicePortRef,
  weight: z.number().int().min(0),
  /** Filters applied only on this backend (Gateway API backendRef filters). */
  requestHeaders: HeaderModifierPlan.optional(),
});
export type BackendPlan = z.infer<typeof BackendPlan>;

/** One route, in precedence order within its `OutboundPolicy.routes`. */
export const RoutePlan = z.object({
  source: PolicySource,
  /** The rule's index within its route, for `route_rule` style labels and errors. */
  rule: z.number().int().nonnegative().default(0),
  /** Empty: matches every request. */
  matches: z.array(RouteMatchPlan).default([]),
  requestHeaders: HeaderModifierPlan.optional(),
  responseHeaders: HeaderModifierPlan.optional(),
  redirect: RedirectPlan.optional(),
  fault: FaultPlan.optional(),
  timeouts: TimeoutsPlan.default({}),
  retry: RetryPlan.optional(),
  /** Empty: the parent Service itself (the policy's authority). Weights need not sum to anything. */
  backends: z.array(BackendPlan).default([]),
});
export type RoutePlan = z.infer<typeof RoutePlan>;

/** `balancer.linkerd.io/failure-accrual: consecutive` and its parameters. */
export const FailureAccrualPlan = z.object({
  consecutiveFailures: z.number().int().positive().default(7),
  minPenaltyMs: z.number().int().positive().default(1_000),
  maxPenaltyMs: z.number().int().positive().default(60_000),
  jitterRatio: z.number().min(0).max(100).default(0.5),
});
export type FailureAccrualPlan = z.infer<typeof FailureAccrualPlan>;

/** Everything a proxy needs to route requests for one authority. */
export const OutboundPolicy = z.object({
  /** The store revision this was compiled from. */
  revision: z.number().int().nonnegative(),
  authority: Authority,
  /** The Service (and port) the authority names, or null for an authority that is not one. */
  service: ServicePortRef.nullable(),
  /** `http` for HTTPRoute-style matching; `grpc` when GRPCRoutes attach. */
  protocol: z.enum(['http', 'grpc']).default('http'),
  /** First match wins; the controller has sorted them by Gateway API precedence. Empty: one default route to the Service. */
  routes: z.array(RoutePlan).default([]),
  failureAccrual: FailureAccrualPlan.nullable().default(null),
});
export type OutboundPolicy = z.infer<typeof OutboundPolicy>;

/** HTTPLocalRateLimitPolicy, resolved for one of a proxy's inbound ports. */
export const RateLimitPlan = z.object({
  source: PolicySource,
  /** Requests per second for all callers together. */
  totalRps: z.number().positive().optional(),
  /** Requests per second for each caller identity (or each unauthenticated source address). */
  identityRps: z.number().positive().optional(),
  overrides: z.array(z.object({ rps: z.number().positive(), identities: z.array(z.string()) })).default([]),
});
export type RateLimitPlan = z.infer<typeof RateLimitPlan>;

/** Everything a proxy needs for one of its own (inbound) ports. The authorization issue adds its fields here. */
export const InboundPolicy = z.object({
  revision: z.number().int().nonnegative(),
  workload: WorkloadRef,
  port: z.number().int().min(1).max(65535),
  rateLimit: RateLimitPlan.nullable().default(null),
  /** Who may call this port; absent from older controllers: anyone. */
  authz: InboundAuthzPlan.default(ALLOW_ALL_AUTHZ),
});
export type InboundPolicy = z.infer<typeof InboundPolicy>;

/** `policy.watch` input: one authority (outbound), or one inbound port of the caller's workload. */
export const PolicyWatchInput = lazy(() =>
  z.union([
    z.object({ authority: Authority }),
    z.object({ workload: WorkloadRef, port: z.number().int().min(1).max(65535) }),
  ]),
);
export type PolicyWatchInput = z.infer<typeof PolicyWatchInput>;

/** What `policy.watch` streams: a whole policy every time (never a delta). */
export const PolicyUpdate = z.union([
  z.object({ kind: z.literal('outbound'), policy: OutboundPolicy }),
  z.object({ kind: z.literal('inbound'), policy: InboundPolicy }),
]);
export type PolicyUpdate = z.infer<typeof PolicyUpdate>;

/**
 * The `/metrics` gauge with which a proxy reports the lowest policy revision across its
 * streams; absent while any stream has had no update yet (see `POLICY_STREAMS_WAITING_METRIC`).
 */
export const POLICY_REVISION_METRIC = 'weft_policy_revision';

/** The `/metrics` gauge with which a proxy reports its policy streams that have had no update yet. */
export const POLICY_STREAMS_WAITING_METRIC = 'weft_policy_streams_waiting';
