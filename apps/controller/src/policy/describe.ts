/**
 * A policy change in words, for the editor's "before apply" panel and for History: the
 * compiled outbound plans and authorization before and after, compared (see
 * describe-outbound.ts, describe-inbound.ts and describe-authz.ts), then one sentence per document added,
 * removed or changed that the plans do not speak of (rate limits, documents that attach
 * to nothing yet). Built on `diffPolicies`, so the sentences and the field diff agree.
 */
import {
  describePolicyRef,
  type PolicyChangeDescription,
  type PolicyChangeSentence,
  type PolicyDiffEntry,
  type PolicyDocument,
} from '@weft/shared';
import type { Platform } from '../core/platform.ts';
import type { CompiledPlans } from './compile-plans.ts';
import { describeAuthz } from './describe-authz.ts';
import { describeRateLimits } from './describe-inbound.ts';
import { describeOutbound } from './describe-outbound.ts';
import { diffPolicies } from './diff.ts';
import type { PolicyService } from './service.ts';

function documentSentence(d: PolicyDiffEntry): PolicyChangeSentence {
  const subject = describePolicyRef(d.ref);
  if (d.change !== 'changed') return { subject, kind: d.change, text: d.change };
  const shown = d.fields.slice(0, 3).join(', ');
  const more = d.fields.length > 3 ? ` and ${d.fields.length - 3} more` : '';
  return { subject, kind: 'changed', text: `changed: ${shown}${more}` };
}

/** The sentences between two compiled states, then one per changed document. */
export function describeBetween(
  before: { documents: readonly PolicyDocument[]; plans: CompiledPlans },
  after: { documents: readonly PolicyDocument[]; plans: CompiledPlans },
  platform: Pick<Platform, 'listWorkloads' | 'listServices' | 'listPods'>,
): { diff: PolicyDiffEntry[]; sentences: PolicyChangeSentence[] } {
  const diff = diffPolicies(before.documents, after.documents);
  if (diff.length === 0) return { diff, sentences: [] };
  const sentences = [
    ...describeOutbound(before.plans.outbound, after.plans.outbound),
    ...describeRateLimits(before.plans.inbound, after.plans.inbound),
    ...describeAuthz(before.plans.authz, after.plans.authz, {
      workloads: platform.listWorkloads(),
      services: platform.listServices(),
      pods: platform.listPods(),
    }),
    ...diff.map(documentSentence),
  ];
  return { diff, sentences };
}

/** `policies.describeChange`: what applying `yaml` would change, or its problems (as a dry-run apply). */
export function describeChange(
  policy: PolicyService,
  platform: Pick<Platform, 'listWorkloads' | 'listServices' | 'listPods'>,
  yaml: string,
): PolicyChangeDescription {
  const { live, next, result } = policy.preview(yaml);
  const { sentences } = describeBetween(
    { documents: live, plans: policy.plansFor(live) },
    { documents: next, plans: policy.plansFor(next) },
    platform,
  );
  return {
    revision: result.revision,
    previous: policy.revision,
    valid: result.valid,
    errors: result.errors,
    diff: result.diff,
    sentences,
  };
}

/** `policies.describeRevision`: what `revision` changed from the one before it (from nothing for revision 1). */
export function describeRevision(
  policy: PolicyService,
  platform: Pick<Platform, 'listWorkloads' | 'listServices' | 'listPods'>,
  revision: number,
): PolicyChangeDescription {
  const target = policy.revisionDetail(revision);
  const previous = policy.previousRevision(revision);
  if (previous === undefined)
    return {
      revision,
      previous: null,
      valid: true,
      errors: [],
      diff: [],
      sentences: [
        {
          subject: `revision ${revision}`,
          kind: 'changed',
          text: `revision ${revision - 1} is no longer kept, so what this one changed is not known`,
        },
      ],
    };
  const before = previous.items;
  const { diff, sentences } = describeBetween(
    { documents: before, plans: policy.plansFor(before) },
    { documents: target.items, plans: policy.plansFor(target.items) },
    platform,
  );
  return {
    revision,
    previous: previous.revision,
    valid: true,
    errors: [],
    diff,
    sentences,
  };
}

/**
 * `policies.describeRollback`: what rolling back to `revision` would change from the live
 * revision (the same sentences the rollback's own revision will have in History).
 */
export function describeRollback(
  policy: PolicyService,
  platform: Pick<Platform, 'listWorkloads' | 'listServices' | 'listPods'>,
  revision: number,
): PolicyChangeDescription {
  const target = policy.revisionDetail(revision);
  const live = policy.documents;
  const { diff, sentences } = describeBetween(
    { documents: live, plans: policy.plansFor(live) },
    { documents: target.items, plans: policy.plansFor(target.items) },
    platform,
  );
  return {
    revision: policy.revision + 1,
    previous: policy.revision,
    valid: true,
    errors: [],
    diff,
    sentences,
  };
}
