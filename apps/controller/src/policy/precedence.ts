/**
 * Orders route matches as the Gateway API defines precedence, so that the first match
 * wins: for HTTPRoute an exact path, then (Linkerd's order) a regular expression, then
 * the longest prefix; then a method; then the most header matches; then the most query
 * parameter matches. For GRPCRoute the most characters of service, then method, then
 * the most header matches. Ties go to the oldest route (`creationTimestamp`), then to
 * `namespace/name` alphabetically, then to rule and match order within the route.
 */
import type { PathMatchPlan, RouteMatchPlan } from '@weft/shared';
import type { RouteEntry } from './attach.ts';

const PATH_RANK: Record<PathMatchPlan['type'], number> = { Exact: 0, RegularExpression: 1, PathPrefix: 2 };

function comparePath(a: PathMatchPlan | undefined, b: PathMatchPlan | undefined): number {
  const pa = a ?? { type: 'PathPrefix' as const, value: '/' };
  const pb = b ?? { type: 'PathPrefix' as const, value: '/' };
  const rank = PATH_RANK[pa.type] - PATH_RANK[pb.type];
  if (rank !== 0) return rank;
  return pb.value.length - pa.value.length;
}

function compareHttp(a: RouteMatchPlan, b: RouteMatchPlan): number {
  return (
    comparePath(a.path, b.path) ||
    Number(b.method !== undefined) - Number(a.method !== undefined) ||
    b.headers.length - a.headers.length ||
    b.queryParams.length - a.queryParams.length
  );
}

function compareGrpc(a: RouteMatchPlan, b: RouteMatchPlan): number {
  return (
    (b.grpc?.service?.length ?? 0) - (a.grpc?.service?.length ?? 0) ||
    (b.grpc?.method?.length ?? 0) - (a.grpc?.method?.length ?? 0) ||
    b.headers.length - a.headers.length
  );
}

/** Negative when `a` takes precedence over `b`. */
export function compareEntries(a: RouteEntry, b: RouteEntry): number {
  const byMatch =
    a.route.kind === 'GRPCRoute' ? compareGrpc(a.match, b.match) : compareHttp(a.match, b.match);
  if (byMatch !== 0) return byMatch;
  const ta = a.route.metadata.creationTimestamp ?? '';
  const tb = b.route.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = `${a.route.metadata.namespace}/${a.route.metadata.name}`;
  const nb = `${b.route.metadata.namespace}/${b.route.metadata.name}`;
  if (na !== nb) return na < nb ? -1 : 1;
  return a.ruleIndex - b.ruleIndex || a.matchIndex - b.matchIndex;
}

/** A sorted copy. */
export function sortByPrecedence(entries: readonly RouteEntry[]): RouteEntry[] {
  return [...entries].sort(compareEntries);
}
