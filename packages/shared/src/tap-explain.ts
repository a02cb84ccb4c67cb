/**
 * Reading tap events for people: the story of one request in plain words (`explainTap`,
 * the dashboard's Explain panel), the `weft tap` command line equivalent to a filter
 * (`tapCommand`), and the live "top" table that groups requests by path (`TapTop`, the
 * dashboard's Live calls and `weft top`). Pure functions; no I/O.
 */
import type { TapAttempt, TapEvent, TapFilter } from './tap.ts';

/** One part of a request's story: a title and its sentences. */
export interface ExplainSection {
  title: string;
  lines: string[];
}

function quote(s: string): string {
  return /^[\w./:@-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

/** The `weft tap` command that opens the same tap as `filter`. */
export function tapCommand(filter: TapFilter, command = 'tap'): string {
  const parts = ['weft', command];
  if (filter.workload !== undefined) parts.push(quote(filter.workload));
  if (filter.namespace !== undefined) parts.push('-n', quote(filter.namespace));
  if (filter.toNamespace !== undefined) parts.push('--to-namespace', quote(filter.toNamespace));
  if (filter.toWorkload !== undefined) parts.push('--to', quote(filter.toWorkload));
  if (filter.method !== undefined) parts.push('--method', quote(filter.method.toUpperCase()));
  if (filter.pathPrefix !== undefined) parts.push('--path', quote(filter.pathPrefix));
  if (filter.authority !== undefined) parts.push('--authority', quote(filter.authority));
  if (filter.statusClass !== undefined) parts.push('--status', filter.statusClass);
  if (filter.maxRps !== undefined) parts.push('--max-rps', String(filter.maxRps));
  return parts.join(' ');
}

/** Whether a request counts as a success (Linkerd's rule: no 5xx, gRPC OK, an answer at all). */
export function tapSucceeded(e: Pick<TapEvent, 'status' | 'grpcStatus'>): boolean {
  if (e.status === 0 || e.status >= 500) return false;
  return e.grpcStatus === null || e.grpcStatus === 0;
}

function ms(v: number): string {
  return v < 10 ? `${v.toFixed(2)} ms` : `${Math.round(v)} ms`;
}

function outcome(a: TapAttempt): string {
  if (a.error !== null) return `failed without a response (${a.error})`;
  if (a.grpcStatus !== null && a.grpcStatus !== 0) return `answered ${a.status}, gRPC status ${a.grpcStatus}`;
  return `answered ${a.status}`;
}

function pickSentence(a: TapAttempt): string | null {
  const p = a.pick;
  if (p == null) return null;
  const [chosen, other] = p.candidates;
  if (chosen === undefined) return null;
  const score = (c: typeof chosen) =>
    `${c.endpoint} (latency estimate ${ms(c.ewmaMs)}, ${c.pending} in flight, cost ${c.cost.toFixed(2)})`;
  if (p.reason === 'only-endpoint' || other === undefined) return `the only endpoint: ${score(chosen)}`;
  if (p.reason === 'avoided-previous')
    return `${score(chosen)} over ${score(other)}, which the previous attempt had just failed on`;
  if (p.reason === 'failure-accrual')
    return `${score(chosen)}: ${other.endpoint} was drawn too but is ejected after consecutive failures`;
  return `${score(chosen)} over ${score(other)}: of two endpoints drawn at random, the lower peak-EWMA cost wins`;
}

/** The story of one tapped request, section by section, in plain words. */
export function explainTap(e: TapEvent): ExplainSection[] {
  const out: ExplainSection[] = [];
  const inbound = e.direction === 'inbound';
  const answered =
    e.status === 0
      ? 'no response reached the caller'
      : `answered ${e.status}${e.grpcStatus === null ? '' : ` (gRPC status ${e.grpcStatus})`}`;
  out.push({
    title: 'Request',
    lines: [
      `${e.method} ${e.authority}${e.path}, seen ${inbound ? 'arriving at' : 'leaving'} proxy ${e.proxy}: ${answered} in ${ms(e.latencyMs)}.`,
      ...(e.proxyError === null ? [] : [`The proxy answered itself: ${e.proxyError}.`]),
    ],
  });

  const route: string[] = [];
  if (e.route === null) {
    route.push(
      inbound
        ? 'Inbound requests go to the application; no route rule applies here.'
        : 'No route policy covers this destination: the proxy sent it to the Service as it is, with its default retries.',
    );
  } else {
    const rule = e.routeRule == null ? '' : ` (rule ${e.routeRule + 1})`;
    route.push(`Matched ${e.route}${rule}.`);
    if (e.routeMatch != null)
      route.push(
        `The match that held: ${e.routeMatch}. Rules are tried in Gateway API precedence (an exact path before the longest prefix, then method, headers and query parameters), and the first that holds wins.`,
      );
  }
  out.push({ title: 'Route', lines: route });

  const backend: string[] = [];
  if (e.backend !== null)
    backend.push(
      e.backendService == null
        ? `The split sent it to backend ${e.backend}.`
        : `The split sent it to backend Service ${e.backendService} (${e.backend}).`,
    );
  const first = e.attempts[0];
  const firstPick = first === undefined ? null : pickSentence(first);
  if (firstPick !== null) backend.push(`The balancer picked ${firstPick}.`);
  else if (e.endpoint !== null) backend.push(`Endpoint: ${e.endpoint}.`);
  if (e.destination.workload !== null)
    backend.push(`That endpoint belongs to ${e.destination.namespace ?? '?'}/${e.destination.workload}.`);
  if (backend.length === 0) backend.push('No backend was chosen: the request never left the proxy.');
  out.push({ title: 'Backend and endpoint', lines: backend });

  const attempts: string[] = [];
  if (e.timeoutMs !== null)
    attempts.push(`Request timeout: ${ms(e.timeoutMs)} for the whole request, retries included.`);
  if (e.attemptTimeoutMs !== null) attempts.push(`Each attempt had ${ms(e.attemptTimeoutMs)} of its own.`);
  if (e.attempts.length === 0) attempts.push('No attempt was sent to an endpoint.');
  else if (e.attempts.length === 1 && e.retries === 0)
    attempts.push(`One attempt, ${outcome(e.attempts[0] as TapAttempt)}.`);
  else {
    attempts.push(`${e.attempts.length} attempts (${e.retries} ${e.retries === 1 ? 'retry' : 'retries'}):`);
    e.attempts.forEach((a, i) => {
      const pick = i > 0 ? pickSentence(a) : null;
      attempts.push(
        `Attempt ${i + 1} to ${a.endpoint ?? 'no endpoint'}: ${outcome(a)}.${pick === null ? '' : ` Picked ${pick}.`}`,
      );
    });
  }
  out.push({ title: 'Retries and timeouts', lines: attempts });

  const tls: string[] = [];
  if (inbound)
    tls.push(
      e.clientIdentity === null
        ? 'The caller did not present a mesh identity (plaintext).'
        : `The caller proved its identity over mTLS: ${e.clientIdentity}${e.serverIdentity === null ? '' : `; this side answered as ${e.serverIdentity}`}.`,
    );
  else
    tls.push(
      e.serverIdentity === null
        ? 'Sent without mesh TLS (the endpoint is not meshed, or the request never left).'
        : `Sent over mTLS to ${e.serverIdentity}${e.clientIdentity === null ? '' : `, proving this side as ${e.clientIdentity}`}.`,
    );
  out.push({ title: 'mTLS', lines: tls });

  const a = e.authorization;
  const authz: string[] = [];
  if (a === null)
    authz.push(
      inbound
        ? 'No authorization policy covers this port: anyone may call.'
        : 'Authorization is decided by the receiving proxy.',
    );
  else if (a.allowed && a.policy !== null)
    authz.push(`Allowed by ${a.policy}${a.server === undefined ? '' : ` on ${a.server}`}.`);
  else if (a.allowed && a.audit === true)
    authz.push(
      `No policy admits this caller, but ${a.server ?? 'the port'} only audits: let through and counted as audit.`,
    );
  else if (a.allowed) authz.push('Allowed.');
  else {
    const names = a.policies ?? [];
    authz.push(
      `Denied (403) by ${a.server ?? 'the port'}: ${
        names.length === 0
          ? 'no authorization policy admits anyone'
          : `the caller matched none of ${names.join(', ')}`
      }.`,
    );
  }
  out.push({ title: 'Authorization', lines: authz });

  out.push({
    title: 'Fault injection',
    lines: [
      e.fault === null
        ? 'No fault injected.'
        : `A fault was injected: the proxy answered ${
            e.fault.grpcStatus !== null ? `gRPC status ${e.fault.grpcStatus}` : `${e.fault.status}`
          } itself, by the route's HTTPFault, without calling the endpoint.`,
    ],
  });
  return out;
}

/** One row of the top table: the requests to one method and path. */
export interface TapTopRow {
  method: string;
  path: string;
  count: number;
  successes: number;
  /** Latency (ms): best, worst and last seen. */
  bestMs: number;
  worstMs: number;
  lastMs: number;
  /** `at` of the latest request. */
  lastAt: number;
}

/** The most rows kept; requests to other paths past it are counted in `overflow`. */
export const TAP_TOP_MAX_ROWS = 500;

/** Requests grouped by method and path (without the query), as tap events arrive. */
export class TapTop {
  private readonly rows = new Map<string, TapTopRow>();
  overflow = 0;

  add(e: TapEvent): void {
    const q = e.path.indexOf('?');
    const path = q < 0 ? e.path : e.path.slice(0, q);
    const key = `${e.method} ${path}`;
    let r = this.rows.get(key);
    if (r === undefined) {
      if (this.rows.size >= TAP_TOP_MAX_ROWS) {
        this.overflow++;
        return;
      }
      r = {
        method: e.method,
        path,
        count: 0,
        successes: 0,
        bestMs: e.latencyMs,
        worstMs: e.latencyMs,
        lastMs: 0,
        lastAt: 0,
      };
      this.rows.set(key, r);
    }
    r.count++;
    if (tapSucceeded(e)) r.successes++;
    r.bestMs = Math.min(r.bestMs, e.latencyMs);
    r.worstMs = Math.max(r.worstMs, e.latencyMs);
    r.lastMs = e.latencyMs;
    r.lastAt = e.at;
  }

  /** The rows, busiest first (ties: most recent first). */
  list(): TapTopRow[] {
    return [...this.rows.values()]
      .map((r) => ({ ...r }))
      .sort((a, b) => b.count - a.count || b.lastAt - a.lastAt);
  }

  clear(): void {
    this.rows.clear();
    this.overflow = 0;
  }
}
