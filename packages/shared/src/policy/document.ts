/**
 * A policy document (any kind the store takes), how one is named, its status with
 * Gateway-API-style conditions, and the shapes of the `policies.*` API: apply results
 * with per-document status and a semantic diff, revisions, and propagation.
 */
import { z } from 'zod';
import { DnsLabel } from '../names.ts';
import {
  AuthorizationPolicy,
  DeploymentAnnotations,
  MeshTLSAuthentication,
  NamespaceAnnotations,
  NetworkAuthentication,
  Server,
} from './authorization.ts';
import { HTTPFault } from './fault.ts';
import { GRPCRoute } from './grpc-route.ts';
import { HTTPRoute } from './http-route.ts';
import { HTTPLocalRateLimitPolicy } from './rate-limit.ts';
import { ServiceAnnotations } from './service-overlay.ts';

export const PolicyDocument = z.discriminatedUnion('kind', [
  HTTPRoute,
  GRPCRoute,
  HTTPLocalRateLimitPolicy,
  HTTPFault,
  ServiceAnnotations,
  Server,
  AuthorizationPolicy,
  MeshTLSAuthentication,
  NetworkAuthentication,
  NamespaceAnnotations,
  DeploymentAnnotations,
]);
export type PolicyDocument = z.infer<typeof PolicyDocument>;
export type PolicyKind = PolicyDocument['kind'];
export const POLICY_KINDS: readonly PolicyKind[] = [
  'HTTPRoute',
  'GRPCRoute',
  'HTTPLocalRateLimitPolicy',
  'HTTPFault',
  'Service',
  'Server',
  'AuthorizationPolicy',
  'MeshTLSAuthentication',
  'NetworkAuthentication',
  'Namespace',
  'Deployment',
];

/** Names one document: its API group (`''` for core `v1`), kind, namespace and name. */
export const PolicyRef = z.object({
  group: z.string(),
  kind: z.string().min(1),
  namespace: DnsLabel,
  name: DnsLabel,
});
export type PolicyRef = z.infer<typeof PolicyRef>;

/** The group of an `apiVersion` (`gateway.networking.k8s.io/v1` → `gateway.networking.k8s.io`, `v1` → `''`). */
export function apiGroup(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

export function policyRefOf(doc: PolicyDocument): PolicyRef {
  return {
    group: apiGroup(doc.apiVersion),
    kind: doc.kind,
    namespace: doc.metadata.namespace,
    name: doc.metadata.name,
  };
}

/** `HTTPRoute demo/split`: how messages name a document. */
export function describePolicyRef(ref: Pick<PolicyRef, 'kind' | 'namespace' | 'name'>): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

/** A stable key for maps: `gateway.networking.k8s.io/HTTPRoute/demo/split`. */
export function policyKey(ref: PolicyRef): string {
  return `${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** A `get`/`delete` input: `group` may be left out when only one document has that kind, namespace and name. */
export const PolicyRefInput = PolicyRef.extend({ group: z.string().optional() });
export type PolicyRefInput = z.infer<typeof PolicyRefInput>;

/** Gateway API condition types we report. */
export const PolicyConditionType = z.enum(['Accepted', 'ResolvedRefs']);
export const PolicyCondition = z.object({
  type: PolicyConditionType,
  status: z.enum(['True', 'False']),
  /** CamelCase, as Gateway API reasons: `Accepted`, `BackendNotFound`, `NoMatchingParent`, `RuleShadowed`, ... */
  reason: z.string(),
  message: z.string(),
});
export type PolicyCondition = z.infer<typeof PolicyCondition>;

/** One problem with one document, at one field. */
export const PolicyIssue = z.object({
  ref: PolicyRef,
  /** `spec.rules[1].backendRefs[0].port`. */
  path: z.string(),
  /** The condition the problem turns False. */
  condition: PolicyConditionType,
  reason: z.string(),
  message: z.string(),
});
export type PolicyIssue = z.infer<typeof PolicyIssue>;

/** `HTTPRoute demo/split: spec.rules[1].backendRefs[0].port: Service demo/inventory has no port 9090`. */
export function describePolicyIssue(issue: PolicyIssue): string {
  return `${describePolicyRef(issue.ref)}: ${issue.path}: ${issue.message}`;
}

export const PolicyStatus = z.object({ ref: PolicyRef, conditions: z.array(PolicyCondition) });
export type PolicyStatus = z.infer<typeof PolicyStatus>;

/** One entry of a semantic diff: a document added, changed (with the changed field paths) or removed. */
export const PolicyDiffEntry = z.object({
  ref: PolicyRef,
  change: z.enum(['added', 'changed', 'removed']),
  fields: z.array(z.string()),
});
export type PolicyDiffEntry = z.infer<typeof PolicyDiffEntry>;

/** Documents at most 1 MiB of YAML per apply. */
export const MAX_POLICY_YAML_BYTES = 1024 * 1024;

export const PolicyApplyInput = z.object({
  yaml: z.string().min(1, 'must not be empty').max(MAX_POLICY_YAML_BYTES, 'must be at most 1 MiB'),
  /** Validate and diff against the live state without storing anything. */
  dryRun: z.boolean().default(false),
});
export type PolicyApplyInput = z.infer<typeof PolicyApplyInput>;

export const PolicyApplyResult = z.object({
  /** The revision created, or for a dry run the one an apply would create. */
  revision: z.number().int().nonnegative(),
  dryRun: z.boolean(),
  /** False only for a dry run with errors (a real apply with errors is refused with BAD_REQUEST). */
  valid: z.boolean(),
  errors: z.array(PolicyIssue),
  /** Status of each document of the request. */
  statuses: z.array(PolicyStatus),
  diff: z.array(PolicyDiffEntry),
});
export type PolicyApplyResult = z.infer<typeof PolicyApplyResult>;

export const PolicyRevisionAction = z.enum(['apply', 'delete', 'rollback']);

export const PolicyRevisionSummary = z.object({
  revision: z.number().int().nonnegative(),
  /** ISO 8601. */
  at: z.string(),
  author: z.string(),
  action: PolicyRevisionAction,
  /** What changed, in words: `apply HTTPRoute demo/split`, `rollback to 3`. */
  summary: z.string(),
  documents: z.number().int().nonnegative(),
});
export type PolicyRevisionSummary = z.infer<typeof PolicyRevisionSummary>;

/** A revision with the full set of documents after it. */
export const PolicyRevision = PolicyRevisionSummary.extend({ items: z.array(PolicyDocument) });
export type PolicyRevision = z.infer<typeof PolicyRevision>;

export const PolicyListItem = z.object({ document: PolicyDocument, status: PolicyStatus });
export type PolicyListItem = z.infer<typeof PolicyListItem>;

export const PolicyRevisionInput = z.object({ revision: z.number().int().nonnegative() });
export const PolicyPropagationInput = z
  .object({ revision: z.number().int().nonnegative().optional() })
  .default({});

/** One meshed proxy and the revision its `/metrics` reports. */
export const ProxyPolicyRevision = z.object({
  namespace: DnsLabel,
  pod: z.string(),
  workload: z.string(),
  /** The proxy's admin address. */
  admin: z.string(),
  /** `weft_policy_revision`, or null when unreadable or absent (then `error` says why). */
  revision: z.number().int().nullable(),
  error: z.string().optional(),
});
export type ProxyPolicyRevision = z.infer<typeof ProxyPolicyRevision>;

export const PolicyPropagation = z.object({
  /** The revision asked about (the live one by default). */
  revision: z.number().int().nonnegative(),
  /** Proxies whose reported revision is at least `revision`. */
  applied: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Open `policy.watch` streams and how many were last sent at least `revision`. */
  streams: z.object({ open: z.number().int().nonnegative(), sent: z.number().int().nonnegative() }),
  proxies: z.array(ProxyPolicyRevision),
});
export type PolicyPropagation = z.infer<typeof PolicyPropagation>;
