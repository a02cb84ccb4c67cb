/**
 * The authorization part of an `InboundPolicy`: what the controller compiles from
 * Servers, AuthorizationPolicies, authentications and default inbound policies for one
 * of a proxy's own ports. The proxy turns it into matchers once, when it arrives.
 */
import { z } from 'zod';

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

/** How a port is authorized. A request is allowed when any rule allows it. */
export const InboundAuthzPlan = z.object({
  /** `server` when a Server covers the port, `default` otherwise (Linkerd's `srv_kind`). */
  serverKind: z.enum(['server', 'default']),
  /** The Server's name, or `default:<policy>` (Linkerd's `srv_name`). */
  serverName: z.string().min(1),
  /** The Server's proxyProtocol: `opaque` ports are decided per connection. */
  protocol: z.string().default('unknown'),
  rules: z.array(AuthorizationRulePlan).default([]),
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
  audit: false,
};
