/**
 * Authorization documents, shaped as Linkerd's (`policy.weft.dev/v1alpha1`, with
 * `policy.linkerd.io` spellings accepted unchanged): `Server` (a port of the pods a
 * selector picks), `AuthorizationPolicy` (who may reach a Server or a Namespace's
 * Servers), `MeshTLSAuthentication` (mTLS identities, `*` wildcards) and
 * `NetworkAuthentication` (source CIDRs with `except`). Also the default inbound policies
 * for ports no Server covers, and `Namespace` / `Deployment` documents that carry the
 * `config.weft.dev/default-inbound-policy` annotation.
 */
import { z } from 'zod';
import { DnsLabel } from '../names.ts';
import { LINKERD_POLICY_GROUP, PolicyMetadata, WEFT_POLICY_GROUP } from './meta.ts';

export const AUTHZ_API_VERSIONS = [
  `${WEFT_POLICY_GROUP}/v1alpha1`,
  `${WEFT_POLICY_GROUP}/v1beta1`,
  `${LINKERD_POLICY_GROUP}/v1alpha1`,
  `${LINKERD_POLICY_GROUP}/v1beta1`,
  `${LINKERD_POLICY_GROUP}/v1beta2`,
  `${LINKERD_POLICY_GROUP}/v1beta3`,
] as const;

/** What traffic no Server covers gets (Linkerd's `config.linkerd.io/default-inbound-policy`). */
export const DefaultInboundPolicy = z.enum([
  'all-unauthenticated',
  'all-authenticated',
  'cluster-authenticated',
  'cluster-unauthenticated',
  'deny',
  'audit',
]);
export type DefaultInboundPolicy = z.infer<typeof DefaultInboundPolicy>;

/** The annotation, under `config.weft.dev/` or `config.linkerd.io/` (the former wins). */
export const DEFAULT_INBOUND_POLICY_ANNOTATIONS = [
  'config.weft.dev/default-inbound-policy',
  'config.linkerd.io/default-inbound-policy',
] as const;

export const LabelSelector = z
  .object({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(
        z.object({
          key: z.string().min(1),
          operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
          values: z.array(z.string()).optional(),
        }),
      )
      .max(32)
      .optional(),
  })
  .strict();
export type LabelSelector = z.infer<typeof LabelSelector>;

/** Whether a label selector picks a set of labels (an empty selector picks everything). */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const inValues = has && (e.values ?? []).includes(value as string);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

export const ProxyProtocol = z.enum(['unknown', 'HTTP/1', 'HTTP/2', 'gRPC', 'opaque', 'TLS']);
export type ProxyProtocol = z.infer<typeof ProxyProtocol>;

export const Server = z.object({
  apiVersion: z.enum(AUTHZ_API_VERSIONS),
  kind: z.literal('Server'),
  metadata: PolicyMetadata,
  spec: z.object({
    podSelector: LabelSelector,
    /** A port number, or the name of a Service port whose target port the pods listen on (`http`). */
    port: z.union([z.number().int().min(1).max(65535), z.string().min(1).max(15)]),
    proxyProtocol: ProxyProtocol.default('unknown'),
    /** What a caller no AuthorizationPolicy allows gets (Linkerd 2.15+): `deny` unless said otherwise. */
    accessPolicy: DefaultInboundPolicy.default('deny'),
  }),
});
export type Server = z.infer<typeof Server>;

/** A reference with an optional group, as Gateway API policy attachment spells it. */
export const AuthzObjectRef = z.object({
  group: z.string().optional(),
  kind: z.string().min(1),
  name: DnsLabel,
  namespace: DnsLabel.optional(),
});
export type AuthzObjectRef = z.infer<typeof AuthzObjectRef>;

export const AuthorizationPolicy = z.object({
  apiVersion: z.enum(AUTHZ_API_VERSIONS),
  kind: z.literal('AuthorizationPolicy'),
  metadata: PolicyMetadata,
  spec: z.object({
    /** A `Server`, or a `Namespace` (every Server in it). */
    targetRef: AuthzObjectRef,
    /** All of these must hold: MeshTLSAuthentication, NetworkAuthentication, or a ServiceAccount. */
    requiredAuthenticationRefs: z.array(AuthzObjectRef).max(16),
  }),
});
export type AuthorizationPolicy = z.infer<typeof AuthorizationPolicy>;

export const MeshTLSAuthentication = z.object({
  apiVersion: z.enum(AUTHZ_API_VERSIONS),
  kind: z.literal('MeshTLSAuthentication'),
  metadata: PolicyMetadata,
  spec: z
    .object({
      /** mTLS identities; `*` any, `*.demo.serviceaccount.identity.weft.local` any ending so. */
      identities: z.array(z.string().min(1).max(253)).max(256).optional(),
      /** `ServiceAccount` (one account) or `Namespace` (every account in it). */
      identityRefs: z.array(AuthzObjectRef).max(256).optional(),
    })
    .refine((s) => (s.identities?.length ?? 0) + (s.identityRefs?.length ?? 0) > 0, {
      message: 'name at least one identity or identityRef',
    }),
});
export type MeshTLSAuthentication = z.infer<typeof MeshTLSAuthentication>;

export const NetworkAuthentication = z.object({
  apiVersion: z.enum(AUTHZ_API_VERSIONS),
  kind: z.literal('NetworkAuthentication'),
  metadata: PolicyMetadata,
  spec: z.object({
    networks: z
      .array(z.object({ cidr: z.string().min(1), except: z.array(z.string().min(1)).max(64).optional() }))
      .min(1)
      .max(256),
  }),
});
export type NetworkAuthentication = z.infer<typeof NetworkAuthentication>;

/** A `v1` `Namespace` in a policy file: only its annotations. `metadata.name` is the namespace. */
export const NamespaceAnnotations = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Namespace'),
  metadata: PolicyMetadata,
  spec: z.never({ error: 'a Namespace in a policy carries only metadata.annotations' }).optional(),
});
export type NamespaceAnnotations = z.infer<typeof NamespaceAnnotations>;

/** An `apps/v1` `Deployment` in a policy file: only its annotations; the workload comes from the platform. */
export const DeploymentAnnotations = z.object({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata: PolicyMetadata,
  spec: z
    .never({
      error: 'a Deployment in a policy carries only metadata.annotations; its spec comes from the platform',
    })
    .optional(),
});
export type DeploymentAnnotations = z.infer<typeof DeploymentAnnotations>;

/** The default inbound policy an annotation map names, `undefined` when none, or the bad key and why. */
export function readDefaultInboundPolicy(
  annotations: Record<string, string> | undefined,
): DefaultInboundPolicy | undefined | { key: string; error: string } {
  if (!annotations) return undefined;
  for (const key of DEFAULT_INBOUND_POLICY_ANNOTATIONS) {
    const value = annotations[key];
    if (value === undefined) continue;
    const parsed = DefaultInboundPolicy.safeParse(value.trim());
    if (parsed.success) return parsed.data;
    return {
      key,
      error: `"${value}" is not a default inbound policy; use one of ${DefaultInboundPolicy.options.join(', ')}`,
    };
  }
  return undefined;
}
