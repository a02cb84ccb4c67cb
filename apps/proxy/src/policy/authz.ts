/**
 * Authorization of one inbound port, compiled once from the port's `InboundAuthzPlan`:
 * identity sets and suffixes, CIDR block lists, the HTTPRoutes attached to its Server
 * (per-route authorization), and the counters of each outcome. A caller is its mTLS
 * identity (never a header) and its source address; the decision for a caller is
 * remembered (bounded), so a request costs a route match and two map lookups.
 */
import type { AuthorizationRulePlan, AuthzRoutePlan, InboundAuthzPlan } from '@weft/shared';
import { CompiledMatch } from './match.ts';
import { ipv4Number, NetworkMatcher, plainAddress } from './network.ts';
import type { RequestView } from './request-view.ts';

export { ipv4Number, plainAddress } from './network.ts';

/** A counter handle: `n` is read at scrape time. */
export interface AuthzCount {
  n: number;
}

/** The labels every counter of a port (or of one route on it) carries. */
export interface AuthzLabels {
  srvKind: string;
  srvName: string;
  /** The HTTPRoute a request matched, or `default` when the Server has none. */
  routeName: string;
}

/** Where the counters of each outcome come from (the proxy's metrics, or none in tests). */
export interface AuthzCounters {
  /** `proto` `http` or `tcp`; `outcome` `allow`, `deny` or `audit`; labels as Linkerd's. */
  counter(
    proto: 'http' | 'tcp',
    outcome: 'allow' | 'deny' | 'audit',
    labels: AuthzLabels & { authzKind: string; authzName: string },
  ): AuthzCount;
}

const UNCOUNTED: AuthzCounters = { counter: () => ({ n: 0 }) };

/** Decisions remembered per authorizer before the memory is cleared. */
export const MAX_REMEMBERED_CALLERS = 4096;

/** One rule: every condition it has must hold. */
export class AuthzRule {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly #anyIdentity: boolean;
  readonly #identities: Set<string> | null;
  readonly #suffixes: string[];
  readonly #networks: NetworkMatcher[] | null;
  readonly httpAllow: AuthzCount;
  readonly tcpAllow: AuthzCount;

  constructor(plan: AuthorizationRulePlan, labels: AuthzLabels, counters: AuthzCounters, tcp: boolean) {
    this.kind = plan.kind;
    this.namespace = plan.namespace;
    this.name = plan.name;
    const ids = plan.identities;
    this.#anyIdentity = ids?.includes('*') ?? false;
    this.#identities = ids === null ? null : new Set(ids.filter((i) => !i.startsWith('*')));
    // `*.demo.serviceaccount...` matches any identity that ends with `.demo.serviceaccount...`.
    this.#suffixes = (ids ?? []).filter((i) => i.startsWith('*.')).map((i) => i.slice(1));
    this.#networks = plan.networks === null ? null : plan.networks.map((n) => new NetworkMatcher(n));
    const l = {
      ...labels,
      authzKind: plan.kind === 'default' ? 'default' : plan.kind.toLowerCase(),
      authzName: plan.name,
    };
    this.httpAllow = counters.counter('http', 'allow', l);
    this.tcpAllow = tcp ? counters.counter('tcp', 'allow', l) : { n: 0 };
  }

  /** Whether some caller from `address` could be let in (with the right identity, if one is needed). */
  admitsAddress(address: string | undefined): boolean {
    if (this.#networks === null) return true;
    if (address === undefined) return false;
    const plain = plainAddress(address);
    const v4 = ipv4Number(plain);
    for (const n of this.#networks) if (n.matches(v4, plain)) return true;
    return false;
  }

  allows(identity: string | undefined, address: string | undefined): boolean {
    if (this.#identities !== null) {
      if (identity === undefined) return false;
      if (!this.#anyIdentity && !this.#identities.has(identity)) {
        let ok = false;
        for (const s of this.#suffixes) if (identity.endsWith(s)) ok = true;
        if (!ok) return false;
      }
    }
    if (this.#networks !== null) {
      if (address === undefined) return false;
      const plain = plainAddress(address);
      const v4 = ipv4Number(plain);
      let ok = false;
      for (const n of this.#networks) if (n.matches(v4, plain)) ok = true;
      if (!ok) return false;
    }
    return true;
  }
}

/**
 * The rules of a port, or of one route on it: each caller's decision remembered (bounded)
 * and the counters of each outcome.
 */
export class AuthzTable {
  readonly audit: boolean;
  readonly rules: readonly AuthzRule[];
  readonly httpDeny: AuthzCount;
  readonly tcpDeny: AuthzCount;
  readonly httpAudit: AuthzCount;
  readonly tcpAudit: AuthzCount;
  /** identity ('' when none) → address → rule index, or -1 for denied. */
  readonly #remembered = new Map<string, Map<string, number>>();
  #size = 0;

  /** `tcp`: whether connections are decided here too (the port's table, not a route's). */
  constructor(
    rules: readonly AuthorizationRulePlan[],
    audit: boolean,
    labels: AuthzLabels,
    counters: AuthzCounters,
    tcp: boolean,
  ) {
    this.audit = audit;
    this.rules = rules.map((r) => new AuthzRule(r, labels, counters, tcp));
    const none = { ...labels, authzKind: '', authzName: '' };
    this.httpDeny = counters.counter('http', 'deny', none);
    this.tcpDeny = tcp ? counters.counter('tcp', 'deny', none) : { n: 0 };
    const auditLabels = { ...labels, authzKind: 'default', authzName: 'audit' };
    this.httpAudit = counters.counter('http', 'audit', auditLabels);
    this.tcpAudit = tcp ? counters.counter('tcp', 'audit', auditLabels) : { n: 0 };
  }

  /** The index of the first rule that lets this caller in, or -1. */
  decide(identity: string | undefined, address: string | undefined): number {
    const byAddress = this.#remembered.get(identity ?? '');
    const known = byAddress?.get(address ?? '');
    if (known !== undefined) return known;
    let found = -1;
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++)
      if ((rules[i] as AuthzRule).allows(identity, address)) {
        found = i;
        break;
      }
    if (this.#size >= MAX_REMEMBERED_CALLERS) {
      this.#remembered.clear();
      this.#size = 0;
    }
    let map = this.#remembered.get(identity ?? '');
    if (map === undefined) {
      map = new Map();
      this.#remembered.set(identity ?? '', map);
    }
    map.set(address ?? '', found);
    this.#size++;
    return found;
  }

  /** Decides an HTTP request and counts it: true to let it through (allowed, or denied under audit). */
  admitHttp(identity: string | undefined, address: string | undefined): boolean {
    const i = this.decide(identity, address);
    if (i >= 0) {
      (this.rules[i] as AuthzRule).httpAllow.n++;
      return true;
    }
    if (this.audit) {
      this.httpAudit.n++;
      return true;
    }
    this.httpDeny.n++;
    return false;
  }

  /** Decides a connection to an opaque port and counts it. */
  admitTcp(identity: string | undefined, address: string | undefined): boolean {
    const i = this.decide(identity, address);
    if (i >= 0) {
      (this.rules[i] as AuthzRule).tcpAllow.n++;
      return true;
    }
    if (this.audit) {
      this.tcpAudit.n++;
      return true;
    }
    this.tcpDeny.n++;
    return false;
  }

  /**
   * At accept, before a byte is read: true (counted as a TCP deny) when no caller from
   * `address` could be let in whatever identity it proved, so the connection is refused
   * at once. False means it depends on the identity, decided by `admitTcp` once known.
   */
  /** Whether a connection from this caller would be let through (audit included), counting nothing. */
  wouldAdmit(identity: string | undefined, address: string | undefined): boolean {
    return this.audit || this.decide(identity, address) >= 0;
  }

  refuseAtAccept(address: string | undefined): boolean {
    if (this.audit) return false;
    for (const r of this.rules) if (r.admitsAddress(address)) return false;
    this.tcpDeny.n++;
    return true;
  }
}

/** One match of an HTTPRoute on the port's Server, and the table its requests are decided by. */
class AuthzRoute {
  readonly #matches: readonly CompiledMatch[];
  readonly table: AuthzTable;

  constructor(plan: AuthzRoutePlan, field: string, table: AuthzTable) {
    const source = { kind: 'HTTPRoute', namespace: plan.namespace, name: plan.name };
    this.#matches = plan.matches.map((m, i) => new CompiledMatch(m, `${field}.matches[${i}]`, source));
    this.table = table;
  }

  test(req: RequestView): boolean {
    const ms = this.#matches;
    if (ms.length === 0) return true;
    for (let i = 0; i < ms.length; i++) if ((ms[i] as CompiledMatch).test(req)) return true;
    return false;
  }
}

/** The authorization of one port: its own table, and one per HTTPRoute attached to its Server. */
export class Authorizer {
  readonly serverKind: string;
  readonly serverName: string;
  /**
   * An opaque (or application TLS) Server: no HTTP detection, one decision per
   * connection, made before any byte reaches the app.
   */
  readonly opaque: boolean;
  readonly audit: boolean;
  /** The port's rules (route `default`): every request when no route is attached, and connections. */
  readonly port: AuthzTable;
  readonly #routes: readonly AuthzRoute[];

  constructor(
    plan: Omit<InboundAuthzPlan, 'routes'> & { routes?: AuthzRoutePlan[] },
    counters: AuthzCounters = UNCOUNTED,
  ) {
    this.serverKind = plan.serverKind;
    this.serverName = plan.serverName;
    this.opaque = plan.protocol === 'opaque' || plan.protocol === 'TLS';
    this.audit = plan.audit;
    const srv = { srvKind: plan.serverKind, srvName: plan.serverName };
    this.port = new AuthzTable(plan.rules, plan.audit, { ...srv, routeName: 'default' }, counters, true);
    // One table per route name (a route with several matches has one entry per match).
    const tables = new Map<string, AuthzTable>();
    this.#routes = (plan.routes ?? []).map((r, i) => {
      const key = `${r.namespace}/${r.name}`;
      let table = tables.get(key);
      if (table === undefined) {
        table = new AuthzTable(r.rules, plan.audit, { ...srv, routeName: r.name }, counters, false);
        tables.set(key, table);
      }
      return new AuthzRoute(r, `authz.routes[${i}]`, table);
    });
  }

  /**
   * The table that decides an HTTP request: the port's when no route is attached, else
   * the first attached route the request matches, or null when it matches none (404).
   */
  forRequest(req: RequestView): AuthzTable | null {
    const routes = this.#routes;
    if (routes.length === 0) return this.port;
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i] as AuthzRoute;
      if (r.test(req)) return r.table;
    }
    return null;
  }

  // === the port's table, for callers that decide without a request ===

  get rules(): readonly AuthzRule[] {
    return this.port.rules;
  }
  get httpDeny(): AuthzCount {
    return this.port.httpDeny;
  }
  get tcpDeny(): AuthzCount {
    return this.port.tcpDeny;
  }
  get httpAudit(): AuthzCount {
    return this.port.httpAudit;
  }
  get tcpAudit(): AuthzCount {
    return this.port.tcpAudit;
  }
  decide(identity: string | undefined, address: string | undefined): number {
    return this.port.decide(identity, address);
  }
  admitHttp(identity: string | undefined, address: string | undefined): boolean {
    return this.port.admitHttp(identity, address);
  }
  admitTcp(identity: string | undefined, address: string | undefined): boolean {
    return this.port.admitTcp(identity, address);
  }
  wouldAdmitTcp(identity: string | undefined, address: string | undefined): boolean {
    return this.port.wouldAdmit(identity, address);
  }
  refuseAtAccept(address: string | undefined): boolean {
    return this.port.refuseAtAccept(address);
  }
}

/** Anyone may call: the authorizer of a port with no policy stream yet. */
export function allowAllAuthorizer(): Authorizer {
  return new Authorizer({
    serverKind: 'default',
    serverName: 'default:all-unauthenticated',
    protocol: 'unknown',
    rules: [
      { kind: 'default', namespace: '', name: 'all-unauthenticated', identities: null, networks: null },
    ],
    audit: false,
  });
}
