/**
 * Outbound policy changes in words: compares the compiled plans of every Service port
 * before and after a change, route by route, and says what a caller of that Service
 * would notice: `demo/inventory:8080` "split 100/0 → 80/20 to inventory-v2",
 * "request timeout on GET /api 1 s → 2 s", "retries on all requests none → 3 on 5xx".
 */
import type {
  BackendPlan,
  FaultPlan,
  OutboundPolicy,
  PolicyChangeSentence,
  RetryPlan,
  RouteMatchPlan,
  RoutePlan,
  TimeoutsPlan,
} from '@weft/shared';

/** `1 s`, `250 ms`, `1.5 min`. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return 'none';
  if (ms >= 60_000 && ms % 1000 === 0) return `${+(ms / 60_000).toFixed(2)} min`;
  if (ms >= 1000) return `${+(ms / 1000).toFixed(3)} s`;
  return `${ms} ms`;
}

/** How a route is named in sentences: `HTTPRoute demo/split` (with `rule N` when it has several). */
export function routeName(route: RoutePlan): string {
  if (route.source.kind === 'default') return 'the Service default';
  return `${route.source.kind} ${route.source.namespace}/${route.source.name} rule ${route.rule}`;
}

/** A match every request passes (Gateway API's default match is the path prefix `/`). */
function matchesAll(m: RouteMatchPlan): boolean {
  return (
    (m.path === undefined || (m.path.type === 'PathPrefix' && m.path.value === '/')) &&
    m.method === undefined &&
    m.headers.length === 0 &&
    m.queryParams.length === 0 &&
    m.grpc === undefined
  );
}

/** Whether a route takes every request. */
export function isCatchAll(route: RoutePlan): boolean {
  return route.matches.length === 0 || route.matches.some(matchesAll);
}

function describeMatch(m: RouteMatchPlan): string {
  if (matchesAll(m)) return 'all requests';
  const parts: string[] = [];
  if (m.method) parts.push(m.method);
  if (m.path) parts.push(m.path.type === 'RegularExpression' ? `~${m.path.value}` : m.path.value);
  if (m.grpc) parts.push(`/${m.grpc.service ?? '*'}/${m.grpc.method ?? '*'}`);
  for (const h of m.headers) parts.push(`${h.name}: ${h.value}`);
  for (const q of m.queryParams) parts.push(`?${q.name}=${q.value}`);
  return parts.length > 0 ? parts.join(' ') : 'all requests';
}

/** What a route matches: `GET /api`, `all requests`, `GET /api or POST /orders`. */
export function describeMatches(route: RoutePlan): string {
  if (isCatchAll(route)) return 'all requests';
  const shown = route.matches.slice(0, 3).map(describeMatch);
  return route.matches.length > 3
    ? `${shown.join(' or ')} or ${route.matches.length - 3} more`
    : shown.join(' or ');
}

/**
 * Each backend's share of a route's requests in percent, by Service name (in `names`
 * order, which this extends); the parent itself takes all of a route that names no
 * backend, and of no route at all.
 */
export function backendShares(
  route: RoutePlan | undefined,
  parent: string,
  names: string[],
): Map<string, number> {
  const backends: Pick<BackendPlan, 'service' | 'weight'>[] =
    route === undefined || route.backends.length === 0
      ? [{ service: { namespace: '', name: parent, port: 0 }, weight: 1 }]
      : route.backends;
  const total = backends.reduce((a, b) => a + b.weight, 0);
  const out = new Map<string, number>();
  for (const b of backends) {
    if (!names.includes(b.service.name)) names.push(b.service.name);
    const pct = total === 0 ? 0 : (b.weight / total) * 100;
    out.set(b.service.name, (out.get(b.service.name) ?? 0) + pct);
  }
  return out;
}

/** A route's identity across revisions: its document and rule, and what it matches. */
export function routeKey(route: RoutePlan): string {
  return `${route.source.kind}/${route.source.namespace}/${route.source.name}#${route.rule}#${JSON.stringify(route.matches)}`;
}

const pct = (n: number) => `${+n.toFixed(1)}`;

/** `split 100/0 → 80/20 to inventory-v2`, or `split 50/50 → 20/80 across a/b`; undefined when unchanged. */
export function describeSplit(
  before: RoutePlan | undefined,
  after: RoutePlan | undefined,
  parent: string,
): string | undefined {
  const names: string[] = [];
  const a = backendShares(before, parent, names);
  const b = backendShares(after, parent, names);
  if (names.every((n) => Math.abs((a.get(n) ?? 0) - (b.get(n) ?? 0)) < 0.05)) return undefined;
  const from = names.map((n) => pct(a.get(n) ?? 0)).join('/');
  const to = names.map((n) => pct(b.get(n) ?? 0)).join('/');
  if (names.length === 2 && names[0] === parent) return `split ${from} → ${to} to ${names[1]}`;
  return `split ${from} → ${to} across ${names.join('/')}`;
}

const TIMEOUT_WORDS: Record<keyof TimeoutsPlan, string> = {
  requestMs: 'request timeout',
  backendRequestMs: 'backend request timeout',
  responseMs: 'response timeout',
  idleMs: 'idle timeout',
};

function describeRetry(r: RetryPlan | undefined): string {
  if (!r) return 'none';
  const on = [
    ...r.httpStatuses.map((s) =>
      s.min === 500 && s.max === 599 ? '5xx' : s.min === s.max ? `${s.min}` : `${s.min}-${s.max}`,
    ),
    ...r.grpcCodes.map((c) => `gRPC ${c}`),
  ];
  const timeout = r.timeoutMs === undefined ? '' : `, ${formatMs(r.timeoutMs)} each`;
  return `${r.limit} on ${on.length > 0 ? on.join(', ') : 'connection errors'}${timeout}`;
}

function describeFault(f: FaultPlan | undefined): string {
  if (!f) return 'none';
  const parts: string[] = [];
  if (f.abort)
    parts.push(
      `abort ${pct(f.abort.percent)} % with ${f.abort.grpcStatus !== undefined ? `gRPC ${f.abort.grpcStatus}` : (f.abort.httpStatus ?? 500)}`,
    );
  if (f.delay) parts.push(`delay ${pct(f.delay.percent)} % by ${formatMs(f.delay.ms)}`);
  return parts.join(' and ') || 'none';
}

/** Sentences for one route present before and after. */
function routeChanges(
  subject: string,
  parent: string,
  before: RoutePlan,
  after: RoutePlan,
  out: PolicyChangeSentence[],
): void {
  const on = describeMatches(after);
  const split = describeSplit(before, after, parent);
  if (split) out.push({ subject, kind: 'changed', text: isCatchAll(after) ? split : `${split} for ${on}` });
  for (const k of Object.keys(TIMEOUT_WORDS) as (keyof TimeoutsPlan)[]) {
    if (before.timeouts[k] !== after.timeouts[k])
      out.push({
        subject,
        kind: 'changed',
        text: `${TIMEOUT_WORDS[k]} on ${on} ${formatMs(before.timeouts[k])} → ${formatMs(after.timeouts[k])}`,
      });
  }
  const retryA = describeRetry(before.retry);
  const retryB = describeRetry(after.retry);
  if (retryA !== retryB)
    out.push({ subject, kind: 'changed', text: `retries on ${on} ${retryA} → ${retryB}` });
  const faultA = describeFault(before.fault);
  const faultB = describeFault(after.fault);
  if (faultA !== faultB) out.push({ subject, kind: 'changed', text: `fault on ${on} ${faultA} → ${faultB}` });
  if (JSON.stringify(before.redirect) !== JSON.stringify(after.redirect))
    out.push({
      subject,
      kind: 'changed',
      text: after.redirect
        ? `${on} redirected (${after.redirect.statusCode}${after.redirect.hostname ? ` to ${after.redirect.hostname}` : ''})`
        : `${on} no longer redirected`,
    });
  const headersA = JSON.stringify([before.requestHeaders, before.responseHeaders]);
  const headersB = JSON.stringify([after.requestHeaders, after.responseHeaders]);
  if (headersA !== headersB) out.push({ subject, kind: 'changed', text: `header filters on ${on} changed` });
}

function describeRoute(route: RoutePlan, parent: string): string {
  const parts = [`${routeName(route)} for ${describeMatches(route)}`];
  const split = describeSplit(undefined, route, parent);
  if (split) parts.push(split.replace(/^split 100(\/0)* → /, 'split '));
  if (route.timeouts.requestMs !== undefined)
    parts.push(`request timeout ${formatMs(route.timeouts.requestMs)}`);
  if (route.retry) parts.push(`retries ${describeRetry(route.retry)}`);
  if (route.fault) parts.push(`fault ${describeFault(route.fault)}`);
  return parts.join(', ');
}

/** The sentences for one Service port whose plan changed. */
export function describeOutboundChange(
  subject: string,
  before: OutboundPolicy | undefined,
  after: OutboundPolicy | undefined,
): PolicyChangeSentence[] {
  const out: PolicyChangeSentence[] = [];
  const parent = (after ?? before)?.service?.name ?? '';
  const a = before?.routes ?? [];
  const b = after?.routes ?? [];
  // A Service without routes behaves as one catch-all route to itself: compare with it.
  const onlyCatchAll = (routes: RoutePlan[]) => routes.length === 1 && isCatchAll(routes[0] as RoutePlan);
  if (a.length === 0 && onlyCatchAll(b)) {
    const split = describeSplit(undefined, b[0], parent);
    if (split) out.push({ subject, kind: 'changed', text: split });
  } else if (b.length === 0 && onlyCatchAll(a)) {
    const split = describeSplit(a[0], undefined, parent);
    if (split) out.push({ subject, kind: 'changed', text: split });
  }
  const oldByKey = new Map(a.map((r) => [routeKey(r), r]));
  const newKeys = new Set(b.map(routeKey));
  for (const r of b) {
    const prev = oldByKey.get(routeKey(r));
    if (prev) routeChanges(subject, parent, prev, r, out);
    else if (!(a.length === 0 && onlyCatchAll(b)))
      out.push({ subject, kind: 'added', text: `route ${describeRoute(r, parent)}` });
  }
  for (const r of a)
    if (!newKeys.has(routeKey(r)) && !(b.length === 0 && onlyCatchAll(a)))
      out.push({ subject, kind: 'removed', text: `route ${routeName(r)} for ${describeMatches(r)}` });
  if (JSON.stringify(before?.failureAccrual ?? null) !== JSON.stringify(after?.failureAccrual ?? null)) {
    const fa = (f: OutboundPolicy['failureAccrual'] | undefined) =>
      f ? `after ${f.consecutiveFailures} consecutive failures` : 'none';
    out.push({
      subject,
      kind: 'changed',
      text: `failure accrual ${fa(before?.failureAccrual)} → ${fa(after?.failureAccrual)}`,
    });
  }
  // A catch-all route changed in a way none of the above names (timeouts, retries added with it).
  if (a.length === 0 && onlyCatchAll(b)) {
    const r = b[0] as RoutePlan;
    const extra = describeRoute(r, parent)
      .split(', ')
      .slice(1)
      .filter((p) => !p.startsWith('split'));
    if (extra.length > 0) out.push({ subject, kind: 'added', text: extra.join(', ') });
  } else if (b.length === 0 && onlyCatchAll(a)) {
    const r = a[0] as RoutePlan;
    const extra = describeRoute(r, parent)
      .split(', ')
      .slice(1)
      .filter((p) => !p.startsWith('split'));
    if (extra.length > 0) out.push({ subject, kind: 'removed', text: extra.join(', ') });
  }
  return out;
}

/** Sentences for every Service port whose compiled plan differs. */
export function describeOutbound(
  before: ReadonlyMap<string, OutboundPolicy>,
  after: ReadonlyMap<string, OutboundPolicy>,
): PolicyChangeSentence[] {
  const out: PolicyChangeSentence[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(key);
    const b = after.get(key);
    const strip = (p: OutboundPolicy | undefined) =>
      p ? JSON.stringify({ ...p, revision: 0, authority: '' }) : 'null';
    if (strip(a) === strip(b)) continue;
    const svc = (b ?? a)?.service;
    const subject = svc ? `${svc.namespace}/${svc.name}:${svc.port}` : key;
    out.push(...describeOutboundChange(subject, a, b));
  }
  return out;
}
