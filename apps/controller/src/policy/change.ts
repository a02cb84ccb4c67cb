/**
 * A committed policy change as the documents it adds or changes and those it drops, for
 * where the documents also live outside the store (on Kubernetes, as custom resources
 * both controller replicas watch).
 */
import { type PolicyDocument, policyKey, policyRefOf } from '@weft/shared';

/** A committed change, for where the documents also live (on Kubernetes, as custom resources). */
export interface PolicyChange {
  upsert: PolicyDocument[];
  remove: PolicyDocument[];
  author: string;
}

/** Options of a change: `fromCluster` when the cluster made it (it is not published back). */
export interface ChangeOptions {
  author?: string;
  fromCluster?: boolean;
}

/** The documents `next` adds or changes against `live`, and those it drops. */
export function changeBetween(
  live: readonly PolicyDocument[],
  next: readonly PolicyDocument[],
  author: string,
): PolicyChange {
  const before = new Map(live.map((d) => [policyKey(policyRefOf(d)), d]));
  const after = new Set(next.map((d) => policyKey(policyRefOf(d))));
  return {
    upsert: next.filter((d) => {
      const old = before.get(policyKey(policyRefOf(d)));
      return !old || JSON.stringify(old) !== JSON.stringify(d);
    }),
    remove: live.filter((d) => !after.has(policyKey(policyRefOf(d)))),
    author,
  };
}
