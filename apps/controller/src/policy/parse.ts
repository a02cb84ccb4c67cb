/**
 * Turns the YAML of `policies.apply` (several documents, `---` between them) into policy
 * documents. Any problem refuses the whole request with one `WEFT_INVALID_INPUT` error
 * that names each bad document (`HTTPRoute demo/split`, or `document 3` when it has no
 * name yet), the field path and the reason.
 */
import {
  apiGroup,
  describePolicyRef,
  ErrorCode,
  MeshError,
  POLICY_KINDS,
  PolicyDocument,
  policyKey,
  policyRefOf,
} from '@weft/shared';
import { parseAllDocuments } from 'yaml';
import { fieldPath } from './field-path.ts';

/** At most this many documents per apply. */
export const MAX_DOCUMENTS_PER_APPLY = 500;
/** At most this many problems are listed in one error message. */
const MAX_LISTED = 20;

function nameOf(raw: unknown, index: number): string {
  const r = raw as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
  const kind = typeof r?.kind === 'string' ? r.kind : undefined;
  const name = typeof r?.metadata?.name === 'string' ? r.metadata.name : undefined;
  const ns = typeof r?.metadata?.namespace === 'string' ? r.metadata.namespace : 'default';
  return kind && name ? `${kind} ${ns}/${name}` : `document ${index + 1}`;
}

/** Throws a single error listing every problem (at most 20, then a count). */
export function refuse(problems: string[]): never {
  const listed = problems.slice(0, MAX_LISTED).join('; ');
  const more = problems.length > MAX_LISTED ? `; and ${problems.length - MAX_LISTED} more` : '';
  throw new MeshError(ErrorCode.invalidInput, `${listed}${more}`);
}

/** Parses and schema-checks every document; throws `WEFT_INVALID_INPUT` naming each problem. */
export function parsePolicyYaml(text: string): PolicyDocument[] {
  const problems: string[] = [];
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const out: PolicyDocument[] = [];
  const seen = new Set<string>();
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      problems.push(`document ${index + 1}: YAML: ${doc.errors[0]?.message.split('\n')[0]}`);
      return;
    }
    const raw: unknown = doc.toJS({ maxAliasCount: 100 });
    if (raw === null || raw === undefined) return;
    const where = nameOf(raw, index);
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`${where}: must be a mapping with apiVersion, kind, metadata and spec`);
      return;
    }
    const kind = (raw as { kind?: unknown }).kind;
    if (typeof kind !== 'string' || !(POLICY_KINDS as readonly string[]).includes(kind)) {
      problems.push(
        `${where}: kind: "${String(kind)}" is not a policy kind; use one of ${POLICY_KINDS.join(', ')}`,
      );
      return;
    }
    const parsed = PolicyDocument.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${where}: ${fieldPath(issue.path)}: ${issue.message}`);
      return;
    }
    const ref = policyRefOf(parsed.data);
    const key = policyKey(ref);
    if (seen.has(key)) {
      problems.push(
        `${describePolicyRef(ref)}: appears twice in one apply (${apiGroup(parsed.data.apiVersion) || 'v1'})`,
      );
      return;
    }
    seen.add(key);
    out.push(parsed.data);
  });
  if (out.length + problems.length > MAX_DOCUMENTS_PER_APPLY)
    problems.push(`at most ${MAX_DOCUMENTS_PER_APPLY} documents per apply`);
  if (problems.length > 0) refuse(problems);
  if (out.length === 0) refuse(['the YAML holds no document']);
  return out;
}
