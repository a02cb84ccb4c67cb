/**
 * Reading policy YAML for `apply -f`, `diff -f` and `delete -f`: a file, or `-` for
 * standard input, at most 1 MiB; and the references (`kind namespace/name`) of its
 * documents for `delete`.
 */
import { readFileSync, statSync } from 'node:fs';
import { apiGroup, MAX_POLICY_YAML_BYTES, type PolicyRefInput } from '@weft/shared';
import { parseAllDocuments } from 'yaml';
import { CliError } from './errors.ts';

/** The text of `-f FILE` (`-` reads standard input). */
export function readPolicyFile(file: string): string {
  let text: string;
  try {
    if (file !== '-' && statSync(file).size > MAX_POLICY_YAML_BYTES)
      throw new CliError(`-f ${file}: larger than 1 MiB`);
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(
      `-f ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  if (!text.trim()) throw new CliError(`-f ${file}: the file is empty`);
  return text;
}

/** The reference of every document in `text`, or a clear error naming the document that lacks one. */
export function policyRefsOf(text: string, file: string): PolicyRefInput[] {
  const refs: PolicyRefInput[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length) throw new CliError(`-f ${file}: document ${i + 1}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return;
    const d = value as {
      apiVersion?: unknown;
      kind?: unknown;
      metadata?: { name?: unknown; namespace?: unknown };
    };
    const { apiVersion, kind } = d;
    const name = d.metadata?.name;
    const namespace = d.metadata?.namespace ?? 'default';
    if (
      typeof apiVersion !== 'string' ||
      typeof kind !== 'string' ||
      typeof name !== 'string' ||
      typeof namespace !== 'string'
    )
      throw new CliError(`-f ${file}: document ${i + 1} needs apiVersion, kind and metadata.name`);
    refs.push({ group: apiGroup(apiVersion), kind, namespace, name });
  });
  if (!refs.length) throw new CliError(`-f ${file}: no documents`);
  return refs;
}
