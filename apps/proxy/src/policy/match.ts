/**
 * One HTTPRoute / GRPCRoute match, compiled once: path (Exact, PathPrefix element-wise
 * with a trailing `/` ignored, RegularExpression as a full match of the path without its
 * query), method, headers (lower-case names, exact or full-match regex values, first
 * value), query parameters (exact names, first occurrence, raw undecoded values), and
 * GRPCRoute service/method on `/service/method`. All parts must hold.
 *
 * `test` allocates nothing except for regex matches on a path that carries a query (and
 * regex query values), which need the substring.
 */
import type { PolicySource, RouteMatchPlan, ValueMatchPlan } from '@weft/shared';
import { compileFullMatch } from './error.ts';
import type { RequestView } from './request-view.ts';

const PATH_ANY = 0;
const PATH_EXACT = 1;
const PATH_PREFIX = 2;
const PATH_REGEX = 3;

const SLASH = 47;
const EQ = 61;

/** How a match narrows the request path, for the plan's index. */
export type PathKey =
  | { kind: 'exact'; path: string }
  | { kind: 'segment'; segment: string }
  | { kind: 'any' };

/** One value match (header or query parameter). */
class ValueMatch {
  readonly name: string;
  readonly exact: string | null;
  readonly regex: RegExp | null;

  constructor(plan: ValueMatchPlan, lowerName: boolean, field: string, source: PolicySource) {
    this.name = lowerName ? plan.name.toLowerCase() : plan.name;
    this.exact = plan.type === 'Exact' ? plan.value : null;
    this.regex = plan.type === 'RegularExpression' ? compileFullMatch(plan.value, field, source) : null;
  }

  test(value: string): boolean {
    return this.exact !== null ? value === this.exact : (this.regex as RegExp).test(value);
  }
}

export class CompiledMatch {
  private readonly pathKind: number;
  /** Exact: the path; PathPrefix: the prefix without trailing slashes (`/` → ``). */
  private readonly pathValue: string;
  private readonly pathRegex: RegExp | null;
  private readonly method: string | null;
  private readonly headers: readonly ValueMatch[];
  private readonly query: readonly ValueMatch[];
  /** gRPC: exact service/method, or full-match regexes; null parts match anything. */
  private readonly grpcService: string | null;
  private readonly grpcMethod: string | null;
  private readonly grpcServiceRegex: RegExp | null;
  private readonly grpcMethodRegex: RegExp | null;
  /** The PathPrefix value as the plan gave it (for RequestRedirect's ReplacePrefixMatch). */
  readonly prefix: string | undefined;
  /** The match in words (`PathPrefix /api, method GET, header x-canary=1`), for tap explanations. */
  readonly text: string;

  constructor(plan: RouteMatchPlan, field: string, source: PolicySource) {
    const p = plan.path;
    this.pathRegex = null;
    this.prefix = undefined;
    if (p === undefined) {
      this.pathKind = PATH_ANY;
      this.pathValue = '';
    } else if (p.type === 'Exact') {
      this.pathKind = PATH_EXACT;
      this.pathValue = p.value;
    } else if (p.type === 'PathPrefix') {
      this.pathKind = PATH_PREFIX;
      this.pathValue = trimTrailingSlashes(p.value);
      this.prefix = p.value;
    } else {
      this.pathKind = PATH_REGEX;
      this.pathValue = p.value;
      this.pathRegex = compileFullMatch(p.value, `${field}.path.value`, source);
    }
    this.method = plan.method ? plan.method.toUpperCase() : null;
    this.headers = plan.headers.map(
      (h, i) => new ValueMatch(h, true, `${field}.headers[${i}].value`, source),
    );
    this.query = plan.queryParams.map(
      (q, i) => new ValueMatch(q, false, `${field}.queryParams[${i}].value`, source),
    );
    const g = plan.grpc;
    const regex = g?.type === 'RegularExpression';
    this.grpcService = g?.service !== undefined && !regex ? g.service : null;
    this.grpcMethod = g?.method !== undefined && !regex ? g.method : null;
    this.grpcServiceRegex =
      g?.service !== undefined && regex ? compileFullMatch(g.service, `${field}.grpc.service`, source) : null;
    this.grpcMethodRegex =
      g?.method !== undefined && regex ? compileFullMatch(g.method, `${field}.grpc.method`, source) : null;
    this.text = describeMatch(plan);
  }

  /** How this match narrows the path, so the plan can skip it for other paths. */
  pathKey(): PathKey {
    if (this.pathKind === PATH_EXACT) return { kind: 'exact', path: this.pathValue };
    if (this.pathKind === PATH_PREFIX && this.pathValue !== '') {
      const end = this.pathValue.indexOf('/', 1);
      return { kind: 'segment', segment: this.pathValue.slice(1, end < 0 ? undefined : end) };
    }
    if (this.grpcService !== null) return { kind: 'segment', segment: this.grpcService };
    return { kind: 'any' };
  }

  test(req: RequestView): boolean {
    const path = req.path;
    if (this.pathKind !== PATH_ANY && !this.testPath(path)) return false;
    if (this.method !== null && req.method !== this.method) return false;
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i] as ValueMatch;
      const v = req.header(h.name);
      if (v === undefined || !h.test(v)) return false;
    }
    const qs = this.query;
    for (let i = 0; i < qs.length; i++) if (!testQuery(path, qs[i] as ValueMatch)) return false;
    if (this.grpcService !== null || this.grpcMethod !== null) return this.testGrpcExact(path);
    if (this.grpcServiceRegex !== null || this.grpcMethodRegex !== null) return this.testGrpcRegex(path);
    return true;
  }

  private testPath(path: string): boolean {
    const q = path.indexOf('?');
    const len = q < 0 ? path.length : q;
    const v = this.pathValue;
    if (this.pathKind === PATH_EXACT) return len === v.length && path.startsWith(v);
    if (this.pathKind === PATH_PREFIX) {
      return (
        len >= v.length && path.startsWith(v) && (len === v.length || path.charCodeAt(v.length) === SLASH)
      );
    }
    return (this.pathRegex as RegExp).test(q < 0 ? path : path.slice(0, q));
  }

  private testGrpcExact(path: string): boolean {
    const slash = path.indexOf('/', 1);
    if (path.charCodeAt(0) !== SLASH || slash < 0) return false;
    const s = this.grpcService;
    if (s !== null && (slash - 1 !== s.length || !path.startsWith(s, 1))) return false;
    const m = this.grpcMethod;
    return m === null || (path.length - slash - 1 === m.length && path.startsWith(m, slash + 1));
  }

  private testGrpcRegex(path: string): boolean {
    const slash = path.indexOf('/', 1);
    if (path.charCodeAt(0) !== SLASH || slash < 0) return false;
    if (this.grpcServiceRegex !== null && !this.grpcServiceRegex.test(path.slice(1, slash))) return false;
    return this.grpcMethodRegex === null || this.grpcMethodRegex.test(path.slice(slash + 1));
  }
}

/** The first `name=value` (or bare `name`) in the query of `path`, tested against `m`. */
function testQuery(path: string, m: ValueMatch): boolean {
  const q = path.indexOf('?');
  if (q < 0) return false;
  const name = m.name;
  const end = path.length;
  let start = q + 1;
  while (start <= end) {
    let stop = path.indexOf('&', start);
    if (stop < 0) stop = end;
    const eq = start + name.length;
    if (path.startsWith(name, start) && (eq === stop || path.charCodeAt(eq) === EQ)) {
      const valueStart = eq === stop ? stop : eq + 1;
      if (m.exact !== null) {
        return stop - valueStart === m.exact.length && path.startsWith(m.exact, valueStart);
      }
      return (m.regex as RegExp).test(path.slice(valueStart, stop));
    }
    start = stop + 1;
  }
  return false;
}

/** A match in words, as the tap explanation shows it. */
export function describeMatch(plan: RouteMatchPlan): string {
  const parts: string[] = [];
  if (plan.path !== undefined) parts.push(`${plan.path.type} ${plan.path.value}`);
  if (plan.grpc?.service !== undefined || plan.grpc?.method !== undefined)
    parts.push(`gRPC ${plan.grpc.service ?? '*'}/${plan.grpc.method ?? '*'}`);
  if (plan.method) parts.push(`method ${plan.method.toUpperCase()}`);
  for (const h of plan.headers)
    parts.push(`header ${h.name}${h.type === 'RegularExpression' ? ' ~ ' : '='}${h.value}`);
  for (const q of plan.queryParams)
    parts.push(`query ${q.name}${q.type === 'RegularExpression' ? ' ~ ' : '='}${q.value}`);
  return parts.length === 0 ? 'any request' : parts.join(', ');
}

function trimTrailingSlashes(p: string): string {
  let end = p.length;
  while (end > 0 && p.charCodeAt(end - 1) === SLASH) end--;
  return p.slice(0, end);
}
