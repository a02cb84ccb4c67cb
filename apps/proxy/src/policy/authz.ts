/**
 * Authorization of one inbound port, compiled once from the port's `InboundAuthzPlan`:
 * identity sets and suffixes, CIDR block lists, and the counters of each outcome. A
 * caller is its mTLS identity (never a header) and its source address; the decision for
 * a caller is remembered (bounded), so a request costs two map lookups.
 */
import { BlockList, isIPv4 } from 'node:net';
import type { AuthorizationRulePlan, InboundAuthzPlan, NetworkPlan } from '@weft/shared';

/** A counter handle: `n` is read at scrape time. */
export interface AuthzCount {
  n: number;
}

/** Where the counters of each outcome come from (the proxy's metrics, or none in tests). */
export interface AuthzCounters {
  /** `proto` `http` or `tcp`; `outcome` `allow`, `deny` or `audit`; labels as Linkerd's. */
  counter(
    proto: 'http' | 'tcp',
    outcome: 'allow' | 'deny' | 'audit',
    labels: { srvKind: string; srvName: string; authzKind: string; authzName: string },
  ): AuthzCount;
}

const UNCOUNTED: AuthzCounters = { counter: () => ({ n: 0 }) };

/** Decisions remembered per authorizer before the memory is cleared. */
export const MAX_REMEMBERED_CALLERS = 4096;

/** `::ffff:127.0.0.1` → `127.0.0.1`. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** An IPv4 address as an unsigned 32-bit number, or -1 when it is not one. */
export function ipv4Number(address: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return n * 256 + part;
}

/** One CIDR: IPv4 compared as numbers, IPv6 through a BlockList. */
class Cidr {
  readonly #base: number;
  readonly #size: number;
  readonly #v6: BlockList | null;
  constructor(cidr: string) {
    const slash = cidr.indexOf('/');
    const address = slash < 0 ? cidr : cidr.slice(0, slash);
    const v4 = ipv4Number(address);
    if (v4 >= 0) {
      const bits = slash < 0 ? 32 : Number(cidr.slice(slash + 1));
      this.#size = 2 ** (32 - bits);
      this.#base = Math.floor(v4 / this.#size) * this.#size;
      this.#v6 = null;
    } else {
      this.#base = -1;
      this.#size = 0;
      this.#v6 = new BlockList();
      this.#v6.addSubnet(address, slash < 0 ? 128 : Number(cidr.slice(slash + 1)), 'ipv6');
    }
  }
  /** `v4`: the address as a number, or -1 for IPv6 (then `address` is checked). */
  has(v4: number, address: string): boolean {
    if (v4 >= 0) return this.#v6 === null && v4 >= this.#base && v4 < this.#base + this.#size;
    return this.#v6?.check(address, 'ipv6') === true;
  }
}

class NetworkMatcher {
  readonly #in: Cidr;
  readonly #except: Cidr[];
  constructor(n: NetworkPlan) {
    this.#in = new Cidr(n.cidr);
    this.#except = n.except.map((e) => new Cidr(e));
  }
  matches(v4: number, address: string): boolean {
    if (!this.#in.has(v4, address)) return false;
    for (const e of this.#except) if (e.has(v4, address)) return false;
    return true;
  }
}

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

  constructor(
    plan: AuthorizationRulePlan,
    labels: { srvKind: string; srvName: string },
    counters: AuthzCounters,
  ) {
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
    this.tcpAllow = counters.counter('tcp', 'allow', l);
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

/** The authorization of one port. */
export class Authorizer {
  readonly serverKind: string;
  readonly serverName: string;
  /**
   * An opaque (or application TLS) Server: no HTTP detection, one decision per
   * connection, made before any byte reaches the app.
   */
  readonly opaque: boolean;
  readonly audit: boolean;
  readonly rules: readonly AuthzRule[];
  readonly httpDeny: AuthzCount;
  readonly tcpDeny: AuthzCount;
  readonly httpAudit: AuthzCount;
  readonly tcpAudit: AuthzCount;
  /** identity ('' when none) → address → rule index, or -1 for denied. */
  readonly #remembered = new Map<string, Map<string, number>>();
  #size = 0;

  constructor(plan: InboundAuthzPlan, counters: AuthzCounters = UNCOUNTED) {
    this.serverKind = plan.serverKind;
    this.serverName = plan.serverName;
    this.opaque = plan.protocol === 'opaque' || plan.protocol === 'TLS';
    this.audit = plan.audit;
    const srv = { srvKind: plan.serverKind, srvName: plan.serverName };
    this.rules = plan.rules.map((r) => new AuthzRule(r, srv, counters));
    const none = { ...srv, authzKind: '', authzName: '' };
    this.httpDeny = counters.counter('http', 'deny', none);
    this.tcpDeny = counters.counter('tcp', 'deny', none);
    const audit = { ...srv, authzKind: 'default', authzName: 'audit' };
    this.httpAudit = counters.counter('http', 'audit', audit);
    this.tcpAudit = counters.counter('tcp', 'audit', audit);
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

  /**
   * At accept, before a byte is read: true (counted as a TCP deny) when no caller from
   * `address` could be let in whatever identity it proved, so the connection is refused
   * at once. False means it depends on the identity, decided by `admitTcp` once known.
   */
  refuseAtAccept(address: string | undefined): boolean {
    if (this.audit) return false;
    for (const r of this.rules) if (r.admitsAddress(address)) return false;
    this.tcpDeny.n++;
    return true;
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
