/**
 * Which form field a controller problem belongs to, so the form shows the controller's
 * words next to that field: `backend.1.weight`, `backend.1.name`, `pathMatch`,
 * `timeout`, `retryOn`, `retryLimit`, `retryTimeout`. Problems of no form field stay
 * in `other` (shown above the form and as YAML markers).
 */
import type { ControllerIssue } from './controller-issues.ts';
import type { EditTarget } from './route-form.ts';

export type FieldKey = string;

export interface PlacedIssues {
  byField: Map<FieldKey, string[]>;
  other: ControllerIssue[];
}

const RULE0 = 'spec.rules[0]';
const RETRY_FIELD: Record<string, FieldKey> = {
  http: 'retryOn',
  limit: 'retryLimit',
  timeout: 'retryTimeout',
};

function fieldOf(issue: ControllerIssue, target: EditTarget): FieldKey | undefined {
  if (issue.kind === 'HTTPRoute' && issue.name === target.route && issue.namespace === target.namespace) {
    const backend = /^spec\.rules\[0\]\.backendRefs\[(\d+)\](?:\.(\w+))?/.exec(issue.path);
    if (backend) return `backend.${backend[1]}.${backend[2] === 'weight' ? 'weight' : 'name'}`;
    if (issue.path.startsWith(`${RULE0}.matches[0].path`)) return 'pathMatch';
    if (issue.path.startsWith(`${RULE0}.timeouts`)) return 'timeout';
    return undefined;
  }
  if (issue.kind === 'Service' && issue.name === target.service && issue.namespace === target.namespace) {
    const retry = /^metadata\.annotations\["retry\.(?:weft\.dev|linkerd\.io)\/(\w+)"\]/.exec(issue.path);
    return retry?.[1] ? RETRY_FIELD[retry[1]] : undefined;
  }
  return undefined;
}

export function placeIssues(issues: readonly ControllerIssue[], target: EditTarget): PlacedIssues {
  const byField = new Map<FieldKey, string[]>();
  const other: ControllerIssue[] = [];
  for (const issue of issues) {
    const key = fieldOf(issue, target);
    if (key === undefined) other.push(issue);
    else byField.set(key, [...(byField.get(key) ?? []), issue.message]);
  }
  return { byField, other };
}
