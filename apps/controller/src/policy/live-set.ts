/**
 * Operations on the set of live policy documents that touch no store: the set with the
 * documents of an apply created or replaced, and finding one document by reference.
 */
import {
  describePolicyRef,
  ErrorCode,
  MeshError,
  type PolicyDocument,
  type PolicyRefInput,
  policyKey,
  policyRefOf,
} from '@weft/shared';

/** `live` with each of `incoming` replacing the document of the same reference, or added after the others. */
export function mergeDocuments(
  live: readonly PolicyDocument[],
  incoming: PolicyDocument[],
): PolicyDocument[] {
  const byKey = new Map(incoming.map((d) => [policyKey(policyRefOf(d)), d]));
  const next = live.map((d) => {
    const key = policyKey(policyRefOf(d));
    const replacement = byKey.get(key);
    byKey.delete(key);
    return replacement ?? d;
  });
  next.push(...byKey.values());
  return next;
}

/**
 * The live document `ref` names: `WEFT_NOT_FOUND` when none does, `WEFT_INVALID_INPUT`
 * when it leaves out the group and several API groups hold that name.
 */
export function findDocument(live: readonly PolicyDocument[], ref: PolicyRefInput): PolicyDocument {
  const found = live.filter((d) => {
    const r = policyRefOf(d);
    return (
      r.kind === ref.kind &&
      r.namespace === ref.namespace &&
      r.name === ref.name &&
      (ref.group === undefined || r.group === ref.group)
    );
  });
  if (found.length === 0) throw new MeshError(ErrorCode.notFound, `${describePolicyRef(ref)} not found`);
  if (found.length > 1)
    throw new MeshError(
      ErrorCode.invalidInput,
      `${describePolicyRef(ref)} exists in several API groups (${found.map((d) => policyRefOf(d).group).join(', ')}); give group`,
    );
  return found[0] as PolicyDocument;
}
