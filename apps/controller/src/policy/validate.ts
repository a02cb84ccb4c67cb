/**
 * Validation of a whole set of policy documents against the platform's Services: every
 * problem names its document, field path and reason (`PolicyIssue`), and sets one of
 * the document's Gateway API conditions (Accepted, ResolvedRefs) to False.
 */
import {
  describePolicyRef,
  type PolicyCondition,
  type PolicyDocument,
  type PolicyIssue,
  type PolicyStatus,
  policyKey,
  policyRefOf,
  type Service,
  type Workload,
} from '@weft/shared';
import { entriesByPort, isRoute, ServiceIndex } from './attach.ts';
import { sortByPrecedence } from './precedence.ts';
import { findShadowedRules } from './shadow.ts';
import { validateAuthorization } from './validate-authz.ts';
import { validateAttachedPolicies } from './validate-policy.ts';
import { reporter, validateRoute } from './validate-route.ts';

function validateShadowing(
  documents: readonly PolicyDocument[],
  services: ServiceIndex,
  out: PolicyIssue[],
): void {
  const reported = new Set<string>();
  for (const [port, entries] of entriesByPort(documents, services)) {
    for (const { entry, by } of findShadowedRules(sortByPrecedence(entries))) {
      const key = `${policyKey(policyRefOf(entry.route))}#${entry.ruleIndex}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const other = describePolicyRef({ kind: by.route.kind, ...by.route.metadata });
      reporter(entry.route, out)(
        `spec.rules[${entry.ruleIndex}]`,
        'Accepted',
        'RuleShadowed',
        `no request on Service ${port} can reach this rule: ${other} rule ${by.ruleIndex} matches the same requests (identically or more broadly) and takes precedence`,
      );
    }
  }
}

/** Every problem of `documents`, in document order. */
export function validatePolicies(
  documents: readonly PolicyDocument[],
  services: readonly Service[],
  workloads: readonly Workload[],
): PolicyIssue[] {
  const index = new ServiceIndex(services);
  const out: PolicyIssue[] = [];
  for (const doc of documents) if (isRoute(doc)) validateRoute(doc, index, out, documents);
  validateShadowing(documents, index, out);
  validateAttachedPolicies(documents, index, out);
  validateAuthorization(documents, services, workloads, out);
  return out;
}

const OK_REASON: Record<PolicyCondition['type'], string> = {
  Accepted: 'Accepted',
  ResolvedRefs: 'ResolvedRefs',
};

/** The status of one document given every issue of its set. */
export function statusOf(doc: PolicyDocument, issues: readonly PolicyIssue[]): PolicyStatus {
  const ref = policyRefOf(doc);
  const key = policyKey(ref);
  const mine = issues.filter((i) => policyKey(i.ref) === key);
  const conditions = (['Accepted', 'ResolvedRefs'] as const).map((type): PolicyCondition => {
    const bad = mine.filter((i) => i.condition === type);
    if (bad.length === 0) return { type, status: 'True', reason: OK_REASON[type], message: '' };
    return {
      type,
      status: 'False',
      reason: bad[0]?.reason ?? 'Invalid',
      message: bad.map((i) => `${i.path}: ${i.message}`).join('; '),
    };
  });
  return { ref, conditions };
}
