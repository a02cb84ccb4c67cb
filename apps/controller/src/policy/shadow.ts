/**
 * Finds rules no request can reach: every match of the rule is covered by a match that
 * comes earlier in precedence order on the same Service port (an identical match, or a
 * strictly broader one: a covering path, no method or the same, a subset of its header
 * and query matches).
 */
import type { PathMatchPlan, RouteMatchPlan, ValueMatchPlan } from '@weft/shared';
import type { RouteEntry } from './attach.ts';

function pathCovers(a: PathMatchPlan | undefined, b: PathMatchPlan | undefined): boolean {
  if (!a) return true;
  const pb = b ?? { type: 'PathPrefix' as const, value: '/' };
  if (a.type === 'PathPrefix') {
    if (a.value === '/' || a.value === '') return true;
    if (pb.type === 'RegularExpression') return false;
    const prefix = a.value.endsWith('/') ? a.value : `${a.value}/`;
    return pb.value === a.value || pb.value.startsWith(prefix);
  }
  return a.type === pb.type && a.value === pb.value;
}

function sameValue(x: ValueMatchPlan, y: ValueMatchPlan): boolean {
  return x.name === y.name && x.type === y.type && x.value === y.value;
}

function subset(a: readonly ValueMatchPlan[], b: readonly ValueMatchPlan[]): boolean {
  return a.every((x) => b.some((y) => sameValue(x, y)));
}

function grpcCovers(a: RouteMatchPlan['grpc'], b: RouteMatchPlan['grpc']): boolean {
  if (!a) return true;
  if (!b) return a.service === undefined && a.method === undefined;
  const part = (x: string | undefined, y: string | undefined) =>
    x === undefined || (y !== undefined && a.type === b.type && x === y);
  return part(a.service, b.service) && part(a.method, b.method);
}

/** Whether every request `b` matches is also matched by `a`. */
export function matchCovers(a: RouteMatchPlan, b: RouteMatchPlan): boolean {
  return (
    pathCovers(a.path, b.path) &&
    (a.method === undefined || a.method === b.method) &&
    subset(a.headers, b.headers) &&
    subset(a.queryParams, b.queryParams) &&
    grpcCovers(a.grpc, b.grpc)
  );
}

export interface ShadowedRule {
  /** The first entry of the unreachable rule. */
  entry: RouteEntry;
  /** The earlier entry that covers it. */
  by: RouteEntry;
}

function ruleKey(e: RouteEntry): string {
  return `${e.route.kind}/${e.route.metadata.namespace}/${e.route.metadata.name}#${e.ruleIndex}`;
}

/** Rules all of whose matches are covered by earlier ones, in `sorted` (precedence order). */
export function findShadowedRules(sorted: readonly RouteEntry[]): ShadowedRule[] {
  const keys = sorted.map(ruleKey);
  const byRule = new Map<string, { total: number; covered: number; first: RouteEntry; by?: RouteEntry }>();
  sorted.forEach((e, i) => {
    const k = keys[i] as string;
    const r = byRule.get(k) ?? { total: 0, covered: 0, first: e };
    r.total += 1;
    byRule.set(k, r);
  });
  sorted.forEach((e, j) => {
    const key = keys[j] as string;
    for (let i = 0; i < j; i++) {
      if (keys[i] === key) continue;
      const earlier = sorted[i] as RouteEntry;
      if (matchCovers(earlier.match, e.match)) {
        const r = byRule.get(key);
        if (r) {
          r.covered += 1;
          r.by ??= earlier;
        }
        break;
      }
    }
  });
  const out: ShadowedRule[] = [];
  for (const r of byRule.values()) if (r.covered === r.total && r.by) out.push({ entry: r.first, by: r.by });
  return out;
}
