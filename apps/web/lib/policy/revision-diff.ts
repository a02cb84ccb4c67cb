/**
 * The difference between two sets of policy documents, as people review it: per
 * document added, changed or removed, the YAML lines taken out and put in (a unified
 * diff with a little context), the store's `creationTimestamp` left out.
 */
import { describePolicyRef, type PolicyDocument, policyKey, policyRefOf } from '@weft/shared';
import { structuredPatch } from 'diff';
import { stringify } from 'yaml';

export interface DiffLine {
  /** `+` put in, `-` taken out, ` ` context, `@` a hunk header. */
  op: '+' | '-' | ' ' | '@';
  text: string;
}

export interface DocumentDiff {
  key: string;
  /** `HTTPRoute demo/inventory-split`. */
  title: string;
  change: 'added' | 'changed' | 'removed';
  lines: DiffLine[];
}

/** Documents of more than this many YAML lines are summarised, not diffed line by line. */
const MAX_LINES = 2_000;

function yamlOf(doc: PolicyDocument | undefined): string {
  if (!doc) return '';
  const { creationTimestamp: _, ...metadata } = doc.metadata;
  return stringify({ ...doc, metadata });
}

/** What changes from `before` to `after`, one entry per document that differs, in key order. */
export function diffDocuments(
  before: readonly PolicyDocument[],
  after: readonly PolicyDocument[],
): DocumentDiff[] {
  const old = new Map(before.map((d) => [policyKey(policyRefOf(d)), d]));
  const now = new Map(after.map((d) => [policyKey(policyRefOf(d)), d]));
  const keys = [...new Set([...old.keys(), ...now.keys()])].sort();
  const out: DocumentDiff[] = [];
  for (const key of keys) {
    const a = yamlOf(old.get(key));
    const b = yamlOf(now.get(key));
    if (a === b) continue;
    const doc = (now.get(key) ?? old.get(key)) as PolicyDocument;
    const change = a === '' ? 'added' : b === '' ? 'removed' : 'changed';
    const lines: DiffLine[] = [];
    if (a.split('\n').length + b.split('\n').length > MAX_LINES) {
      lines.push({ op: '@', text: 'too long to show line by line' });
    } else {
      for (const hunk of structuredPatch('before', 'after', a, b, '', '', { context: 2 }).hunks) {
        lines.push({
          op: '@',
          text: `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`,
        });
        for (const l of hunk.lines) {
          const op = l[0];
          if (op === '+' || op === '-' || op === ' ') lines.push({ op, text: l.slice(1) });
        }
      }
    }
    out.push({ key, title: describePolicyRef(policyRefOf(doc)), change, lines });
  }
  return out;
}
