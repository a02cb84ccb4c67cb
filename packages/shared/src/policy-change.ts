/**
 * What the policy editor shows before an apply and in History: a change described in
 * words (`policies.describeChange`, `policies.describeRevision`), and a dry run of the
 * change against the traffic observed in the last minutes (`policies.trafficImpact`).
 * Validation errors come back as `policies.applyYaml` with `dryRun` reports them.
 */
import { z } from 'zod';
import { NamespaceName, ObjectName } from './names.ts';
import { PolicyApplyInput, PolicyDiffEntry, PolicyIssue } from './policy/document.ts';
import { ServicePortRef } from './policy-plan.ts';

/** One sentence of a change: `inventory: split 100/0 → 80/20 to inventory-v2`. */
export const PolicyChangeSentence = z.object({
  /** What the sentence is about: a Service (`demo/inventory:8080`), a route, an edge or a document. */
  subject: z.string(),
  /** The sentence, without the subject. */
  text: z.string(),
  kind: z.enum(['added', 'removed', 'changed']),
});
export type PolicyChangeSentence = z.infer<typeof PolicyChangeSentence>;

/** `policies.describeChange` input: the YAML an apply would take. */
export const DescribeChangeInput = z.object({ yaml: PolicyApplyInput.shape.yaml });
export type DescribeChangeInput = z.infer<typeof DescribeChangeInput>;

/** `policies.describeRevision` input: the revision compared with the one before it. */
export const DescribeRevisionInput = z.object({ revision: z.number().int().min(1) });
export type DescribeRevisionInput = z.infer<typeof DescribeRevisionInput>;

/** A change in words, between two sets of documents. */
export const PolicyChangeDescription = z.object({
  /** The revision described, or for `describeChange` the one an apply would create. */
  revision: z.number().int().nonnegative(),
  /** The revision compared against (the live one, or the one before); null when there was none kept. */
  previous: z.number().int().nonnegative().nullable(),
  /** False when the YAML has problems (then `errors` lists them, as a dry-run apply does). */
  valid: z.boolean(),
  errors: z.array(PolicyIssue),
  /** The per-document field diff (as `PolicyApplyResult.diff`). */
  diff: z.array(PolicyDiffEntry),
  /** The same change in sentences, by subject. */
  sentences: z.array(PolicyChangeSentence),
});
export type PolicyChangeDescription = z.infer<typeof PolicyChangeDescription>;

/** Longest window the traffic dry run looks back over, minutes. */
export const MAX_IMPACT_WINDOW_MINUTES = 60;

/** `policies.trafficImpact` input. */
export const TrafficImpactInput = z.object({
  yaml: PolicyApplyInput.shape.yaml,
  windowMinutes: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be 1 or more')
    .max(MAX_IMPACT_WINDOW_MINUTES, `must be at most ${MAX_IMPACT_WINDOW_MINUTES}`)
    .default(5),
});
export type TrafficImpactInput = z.input<typeof TrafficImpactInput>;

/** What authorization does with a caller: let it in, refuse it, or let it in and count it as audit. */
export const AuthzVerdict = z.enum(['allow', 'deny', 'audit']);
export type AuthzVerdict = z.infer<typeof AuthzVerdict>;

/** One observed edge into one port of its destination, judged before and after the change. */
export const TrafficImpactEdge = z.object({
  source: z.object({ namespace: NamespaceName, name: ObjectName, meshed: z.boolean() }),
  destination: z.object({ namespace: NamespaceName, name: ObjectName }),
  /** The destination workload's port the verdicts are for. */
  port: z.number().int().min(1).max(65535),
  /** The caller's mTLS identity seen on the edge, or null for plaintext. */
  identity: z.string().nullable(),
  /** Requests per second on the edge over the window (all ports together: metrics do not tell ports apart). */
  rps: z.number().nonnegative(),
  before: AuthzVerdict,
  after: AuthzVerdict,
  /** The rule that lets the caller in (`demo/allow-web`, `default:all-unauthenticated`), null when none does. */
  beforeRule: z.string().nullable(),
  afterRule: z.string().nullable(),
});
export type TrafficImpactEdge = z.infer<typeof TrafficImpactEdge>;

/** One backend of one route of a Service port: its share of the observed traffic before and after. */
export const TrafficImpactBackend = z.object({
  /** The Service port callers dial. */
  parent: ServicePortRef,
  /** `HTTPRoute demo/inventory-split rule 0`, or `default` for a Service without routes. */
  route: z.string(),
  backend: ServicePortRef,
  /** Weight share in percent (0–100) before and after. */
  percentBefore: z.number().min(0).max(100),
  percentAfter: z.number().min(0).max(100),
  /**
   * Requests per second this backend gets of the parent's observed traffic, before and
   * after: the parent's observed traffic with one route; with several, the rule's own
   * (per-route metrics); null when neither was observed.
   */
  rpsBefore: z.number().nonnegative().nullable(),
  rpsAfter: z.number().nonnegative().nullable(),
});
export type TrafficImpactBackend = z.infer<typeof TrafficImpactBackend>;

/** `policies.trafficImpact` output. */
export const TrafficImpact = z.object({
  windowMinutes: z.number().int(),
  valid: z.boolean(),
  errors: z.array(PolicyIssue),
  /** False when this controller has no metrics: then no edge was observed and rates are unknown. */
  observed: z.boolean(),
  /** Every observed edge into a meshed port, each judged before and after. */
  edges: z.array(TrafficImpactEdge),
  /** The edges whose verdict changes. */
  changed: z.array(TrafficImpactEdge),
  /** Unmeshed callers that are let in now and would be denied after. */
  brokenUnmeshed: z.array(TrafficImpactEdge),
  /** Backends whose share of a Service's traffic changes. */
  backends: z.array(TrafficImpactBackend),
});
export type TrafficImpact = z.infer<typeof TrafficImpact>;
