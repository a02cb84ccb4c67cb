/**
 * The controller's verdict on a YAML, as a list of problems the page can place: from a
 * dry run's `errors` (each with its document and field path), or from the single
 * `WEFT_INVALID_INPUT` message a schema or YAML problem is refused with
 * (`HTTPRoute demo/split: spec.rules[0].backendRefs[1].weight: Too small...; ...`).
 * The browser only places the controller's words; it never judges the YAML itself.
 */
import type { PolicyIssue } from '@weft/shared';

export interface ControllerIssue {
  /** The document: kind and name, or its 1-based position when it had no name yet. */
  kind?: string;
  namespace?: string;
  name?: string;
  index?: number;
  /** The field path, or '' when the problem is about the whole document. */
  path: string;
  message: string;
}

/** A dry run's errors. */
export function issuesFromResult(errors: readonly PolicyIssue[]): ControllerIssue[] {
  return errors.map((e) => ({
    kind: e.ref.kind,
    namespace: e.ref.namespace,
    name: e.ref.name,
    path: e.path,
    message: e.message,
  }));
}

const WHERE = String.raw`(?:([A-Z][A-Za-z]+) ([a-z0-9-]+)/([a-z0-9-]+)|document (\d+))`;
/** One problem starts where a document is named; the message joins them with `; `. */
const SPLIT = new RegExp(`; (?=${WHERE.replace(/\((?!\?)/g, '(?:')}: )`);
const PROBLEM = new RegExp(`^${WHERE}: (.*)$`, 's');
const PATH =
  /^((?:[A-Za-z_][A-Za-z0-9_]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*): (.*)$/s;

/** The problems of a refusal message; a message that names no document is one problem without a place. */
export function issuesFromMessage(message: string): ControllerIssue[] {
  return message.split(SPLIT).map((part) => {
    const m = PROBLEM.exec(part);
    if (!m) return { path: '', message: part };
    const rest = m[5] ?? '';
    const p = PATH.exec(rest);
    const path = p?.[1] === 'YAML' ? '' : (p?.[1] ?? '');
    const text = p ? (p[1] === 'YAML' ? `YAML: ${p[2]}` : (p[2] ?? '')) : rest;
    return m[4] !== undefined
      ? { index: Number(m[4]), path, message: text }
      : { kind: m[1], namespace: m[2], name: m[3], path, message: text };
  });
}

/** How a problem reads where it is not shown next to its field: `HTTPRoute demo/split: spec.x: message`. */
export function describeIssue(issue: ControllerIssue): string {
  const where =
    issue.kind !== undefined
      ? `${issue.kind} ${issue.namespace}/${issue.name}`
      : issue.index !== undefined
        ? `document ${issue.index}`
        : '';
  return [where, issue.path, issue.message].filter((s) => s !== '').join(': ');
}
