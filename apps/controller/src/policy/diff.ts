/**
 * The semantic diff between two sets of documents: which were added, removed or
 * changed, and for a changed one the field paths that differ (`spec.rules[0].backendRefs[1].weight`).
 * The timestamp the store keeps is not a change.
 */
import { type PolicyDiffEntry, type PolicyDocument, policyKey, policyRefOf } from '@weft/shared';
import { fieldPath } from './field-path.ts';

const MAX_FIELDS = 50;

function changedFields(a: unknown, b: unknown, path: PropertyKey[], out: string[]): void {
  if (out.length >= MAX_FIELDS) return;
  if (a === b) return;
  const objA = typeof a === 'object' && a !== null;
  const objB = typeof b === 'object' && b !== null;
  if (!objA || !objB || Array.isArray(a) !== Array.isArray(b)) {
    out.push(fieldPath(path));
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) changedFields(a[i], b[i], [...path, i], out);
    return;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)]))
    changedFields(ra[k], rb[k], [...path, k], out);
}

function withoutTimestamp(doc: PolicyDocument): unknown {
  const { creationTimestamp: _, ...metadata } = doc.metadata;
  return { ...doc, metadata };
}

/** What going from `before` to `after` changes. */
export function diffPolicies(
  before: readonly PolicyDocument[],
  after: readonly PolicyDocument[],
): PolicyDiffEntry[] {
  const old = new Map(before.map((d) => [policyKey(policyRefOf(d)), d]));
  const out: PolicyDiffEntry[] = [];
  const seen = new Set<string>();
  for (const doc of after) {
    const key = policyKey(policyRefOf(doc));
    seen.add(key);
    const prev = old.get(key);
    if (!prev) {
      out.push({ ref: policyRefOf(doc), change: 'added', fields: [] });
      continue;
    }
    const fields: string[] = [];
    changedFields(withoutTimestamp(prev), withoutTimestamp(doc), [], fields);
    if (fields.length > 0) out.push({ ref: policyRefOf(doc), change: 'changed', fields });
  }
  for (const [key, doc] of old)
    if (!seen.has(key)) out.push({ ref: policyRefOf(doc), change: 'removed', fields: [] });
  return out;
}
