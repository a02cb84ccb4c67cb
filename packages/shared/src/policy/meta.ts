/**
 * The parts every policy document shares: Kubernetes object metadata, the API groups
 * and versions we accept (Gateway API, Linkerd's and our own), and references to other
 * objects (`parentRefs`, `backendRefs`, `targetRef`).
 */
import { z } from 'zod';
import { DnsLabel } from '../names.ts';

/** Gateway API (`HTTPRoute`, `GRPCRoute`). */
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** Linkerd's own policy group; its documents are accepted unchanged. */
export const LINKERD_POLICY_GROUP = 'policy.linkerd.io';
/** Weft's policy group (`HTTPLocalRateLimitPolicy`, `HTTPFault`). */
export const WEFT_POLICY_GROUP = 'policy.weft.dev';

/** Annotation and label values as Kubernetes keeps them: strings. */
const StringMap = z.record(z.string(), z.string());

/** `metadata`: name and namespace as Kubernetes spells them; the store sets `creationTimestamp` on first apply. */
export const PolicyMetadata = z.object({
  name: DnsLabel,
  namespace: DnsLabel.default('default'),
  labels: StringMap.optional(),
  annotations: StringMap.optional(),
  /** ISO 8601; kept from the first apply of the document (route precedence uses it). */
  creationTimestamp: z.string().nullish(),
});
export type PolicyMetadata = z.infer<typeof PolicyMetadata>;

/** A GAMMA `parentRef`: the Service (and optionally one of its ports) a route attaches to. */
export const ParentRef = z.object({
  group: z.string().optional(),
  kind: z.string().optional(),
  namespace: DnsLabel.optional(),
  name: DnsLabel,
  port: z.number().int().min(1).max(65535).optional(),
  sectionName: z.string().optional(),
});
export type ParentRef = z.infer<typeof ParentRef>;

/** A `targetRef` of a policy (Gateway API policy attachment). `port` is our extension for Service targets. */
export const TargetRef = z.object({
  group: z.string().optional(),
  kind: z.string().min(1),
  name: DnsLabel,
  namespace: DnsLabel.optional(),
  port: z.number().int().min(1).max(65535).optional(),
});
export type TargetRef = z.infer<typeof TargetRef>;
