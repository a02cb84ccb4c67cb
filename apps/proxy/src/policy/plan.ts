/**
 * Policy plans: what a proxy builds ONCE from each `policy.watch` update and consults on
 * every request. `compileOutbound` turns an authority's `OutboundPolicy` into an
 * `OutboundPlan` (routes in precedence order, with an index for long tables);
 * `compileInbound` turns a port's `InboundPolicy` into an `InboundPlan`. Both throw
 * `ProxyPolicyError` for a plan that cannot be enforced; the caller keeps the last plan.
 */
import {
  type FailureAccrualPlan,
  InboundPolicy,
  OutboundPolicy,
  type RoutePlan,
  type ServicePortRef,
  type WorkloadRef,
} from '@weft/shared';
import type { z } from 'zod';
import { Authorizer, type AuthzCounters } from './authz.ts';
import { ProxyPolicyError } from './error.ts';
import { RateLimiter } from './ratelimit.ts';
import type { RequestView } from './request-view.ts';
import { CompiledRoute } from './route.ts';
import { RouteIndex } from './route-index.ts';

export { CompiledRoute } from './route.ts';

/** Route tables longer than this are indexed by exact path and first path segment. */
export const INDEX_MIN_ROUTES = 8;

export class OutboundPlan {
  readonly revision: number;
  readonly authority: string;
  readonly service: ServicePortRef | null;
  readonly protocol: 'http' | 'grpc';
  /** In precedence order; with no routes in the policy, the one default route. */
  readonly routes: readonly CompiledRoute[];
  readonly failureAccrual: FailureAccrualPlan | null;
  private readonly index: RouteIndex | null;

  constructor(policy: OutboundPolicy) {
    this.revision = policy.revision;
    this.authority = policy.authority;
    this.service = policy.service;
    this.protocol = policy.protocol;
    this.failureAccrual = policy.failureAccrual;
    const plans = policy.routes.length > 0 ? policy.routes : [defaultRoute(policy.service)];
    this.routes = plans.map((r, i) => new CompiledRoute(r, `routes[${i}]`));
    this.index = this.routes.length > INDEX_MIN_ROUTES ? new RouteIndex(this.routes) : null;
  }

  /** The first route the request matches, or undefined when none does (answer 404). */
  match(req: RequestView): CompiledRoute | undefined {
    if (this.index !== null) return this.index.match(req);
    const rs = this.routes;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i] as CompiledRoute;
      if (r.test(req)) return r;
    }
    return undefined;
  }
}

/** Compiles an authority's policy; the input is checked against the schema first. */
export function compileOutbound(policy: OutboundPolicy): OutboundPlan {
  return new OutboundPlan(checked(OutboundPolicy, policy, 'OutboundPolicy'));
}

/** The implicit route of a Service with no routes: every request, to the Service itself. */
function defaultRoute(service: ServicePortRef | null): RoutePlan {
  return {
    source: { kind: 'default', namespace: service?.namespace ?? '', name: service?.name ?? '' },
    rule: 0,
    matches: [],
    timeouts: {},
    backends: [],
  };
}

/** One of the proxy's own ports: its rate limit and its authorization. */
export class InboundPlan {
  readonly revision: number;
  readonly workload: WorkloadRef;
  readonly port: number;
  /** The port's HTTPLocalRateLimitPolicy, or null for none. */
  readonly rateLimiter: RateLimiter | null;
  /** Who may call the port. */
  readonly authorizer: Authorizer;

  constructor(policy: InboundPolicy, previous?: InboundPlan, counters?: AuthzCounters) {
    this.revision = policy.revision;
    this.authorizer = new Authorizer(policy.authz, counters);
    this.workload = policy.workload;
    this.port = policy.port;
    const rl = policy.rateLimit;
    const kept = previous?.rateLimiter;
    // The same limits in a new revision keep their buckets, so a re-apply lets no burst through.
    this.rateLimiter = rl === null ? null : kept?.sameLimits(rl) ? kept : new RateLimiter(rl);
  }
}

/**
 * Compiles an inbound policy. Pass the plan it replaces so unchanged rate limits keep
 * their state across revisions.
 */
export function compileInbound(
  policy: InboundPolicy,
  previous?: InboundPlan,
  counters?: AuthzCounters,
): InboundPlan {
  return new InboundPlan(checked(InboundPolicy, policy, 'InboundPolicy'), previous, counters);
}

/**
 * The policy as the schema has it (defaults filled in), or a `ProxyPolicyError` naming
 * the first field that is wrong: a malformed update must not half-apply.
 */
function checked<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : what;
  throw new ProxyPolicyError(field, `${what}: ${issue?.message ?? 'invalid'}`);
}
