/**
 * The authorization part of an `InboundPolicy`: what the controller compiles from
 * Servers, AuthorizationPolicies, authentications and default inbound policies for one
 * of a proxy's own ports. The proxy turns it into matchers once, when it arrives.
 */
import { z } from 'zod';
import { lazy } from './lazy.ts';
import { RouteMatchPlan } from './route-match.ts';

/** A CIDR and the CIDRs carved out of it. */
export const NetworkPlan = z.object({
  cidr: z.string().min(1),
  except: z.array(z.string().min(1)).default([]),
});
export type NetworkPlan = z.infer<typeof NetworkPlan>;

/** One way in: every present condition must hold. */
export const AuthorizationRulePlan = z.object({
  /** `AuthorizationPolicy` (or `default` for a default policy), for the `authz_kind`/`authz_name` labels. */
  kind: z.string().min(1),
  namespace: z.string(),
  name: z.string().min(1),
  /** mTLS identities (`*` any, `*.<suffix>` any ending so); null: no mTLS needed. */
  identities: z.array(z.string().min(1)).nullable().default(null),
  /** Source networks; null: any address. */
  networks: z.array(NetworkPlan).nullable().default(null),
});
export type AuthorizationRulePlan = z.infer<typeof AuthorizationRulePlan>;

/**
 * One match of an HTTPRoute attached to the port's Server (per-route authorization). A
 * request on it is allowed when any of `rules` (the AuthorizationPolicies that target
 * the route, then the Server's own) allows it; counted with `route_name` = `name`.
 */
export const AuthzRoutePlan = z.object({
  namespace: z.string(),
  name: z.string().min(1),
  /** Any of these holds (empty: every request). */
  matches: z.array(RouteMatchPlan).max(64).default([]),
  rules: z.array(AuthorizationRulePlan).default([]),
});
export type AuthzRoutePlan = z.infer<typeof AuthzRoutePlan>;

/** How a port is authorized. A request is allowed when any rule allows it. */
export const InboundAuthzPlan = z.object({
  /** `server` when a Server covers the port, `default` otherwise (Linkerd's `srv_kind`). */
  serverKind: z.enum(['server', 'default']),
  /** The Server's name, or `default:<policy>` (Linkerd's `srv_name`). */
  serverName: z.string().min(1),
  /** The Server's proxyProtocol: `opaque` ports are decided per connection. */
  protocol: z.string().default('unknown'),
  rules: z.array(AuthorizationRulePlan).default([]),
  /**
   * HTTPRoutes attached to the Server, one entry per match in precedence order (first
   * match wins). When there are any, an HTTP request that matches none gets 404
   * `no-route` (as Linkerd answers), and `rules` alone decide opaque connections.
   */
  routes: z.array(AuthzRoutePlan).max(1024).default([]),
  /** Let denied traffic through and count it as audit (the `audit` policy, or a Server's `accessPolicy: audit`). */
  audit: z.boolean().default(false),
});
export type InboundAuthzPlan = z.infer<typeof InboundAuthzPlan>;

/** The plan of `all-unauthenticated`, Weft's built-in default: anyone, from anywhere. */
export const ALLOW_ALL_AUTHZ: InboundAuthzPlan = {
  serverKind: 'default',
  serverName: 'default:all-unauthenticated',
  protocol: 'unknown',
  rules: [{ kind: 'default', namespace: '', name: 'all-unauthenticated', identities: null, networks: null }],
  routes: [],
  audit: false,
};

/** `policies.authorization` input: one port of one workload (its own, target port). */
export const PortAuthorizationInput = lazy(() =>
  z.object({
    namespace: z.string().min(1),
    workload: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    /** The window of observed callers. */
    window: z.enum(['1m', '5m', '15m', '1h']).default('5m'),
  }),
);
export type PortAuthorizationInput = z.input<typeof PortAuthorizationInput>;

/** A caller seen in the window, and what the port's policy says of it. */
export const ObservedCaller = lazy(() =>
  z.object({
    source: z.object({ namespace: z.string(), name: z.string() }),
    /** The mTLS identity it proved, or null for plaintext. */
    identity: z.string().nullable(),
    unmeshed: z.boolean(),
    requests: z.number().nonnegative(),
    /** Whether the policy in force lets it in (true under audit only when a rule does); the rule that does. */
    allowed: z.boolean(),
    rule: z.string().nullable(),
  }),
);
export type ObservedCaller = z.infer<typeof ObservedCaller>;

/** For a workload port: who is allowed (the rules), who is denied (everyone else), and who is calling now. */
export const PortAuthorization = lazy(() =>
  z.object({
    namespace: z.string(),
    workload: z.string(),
    port: z.number().int(),
    authz: InboundAuthzPlan,
    callers: z.array(ObservedCaller),
  }),
);
export type PortAuthorization = z.infer<typeof PortAuthorization>;
