/**
 * The proxy's metrics: Linkerd's names, label keys and latency buckets (from
 * `@weft/shared`), counted in plain per-label-set accumulators and rendered to
 * Prometheus text by a prom-client `Registry` at scrape time.
 *
 * A label set is resolved once per target (an outbound endpoint's dst labels and
 * authority, an inbound authority and caller) and returns pre-bound handles: counting a
 * request is then a field increment, never a label lookup or hash.
 */
import type { PolicySource, ServicePortRef } from '@weft/shared';
import { Direction, LabelKey } from '@weft/shared';
import { Registry } from 'prom-client';
import { HttpAccum, TcpAccum } from './accumulators.ts';
import { AuthzMetrics } from './authz.ts';
import type { Labels } from './collected.ts';
import { registerFamilies } from './families.ts';
import { H2FloodMetrics } from './h2-floods.ts';
import type { RouteMetrics, TargetMetrics, TcpMetrics } from './handles.ts';
import { RefusedMetrics } from './refused.ts';
import { RouteRegistry } from './route.ts';

/** Who this proxy runs for: its own label values. */
export interface OwnLabels {
  namespace?: string | undefined;
  deployment?: string | undefined;
  pod?: string | undefined;
}

/** What the outbound label set of an endpoint is made of. */
export interface OutboundTarget {
  authority: string;
  dstNamespace?: string | undefined;
  dstDeployment?: string | undefined;
  /** The Service the request was addressed to (`dst_service`). */
  dstService?: string | undefined;
  /** The endpoint's pod (`dst_pod`). */
  dstPod?: string | undefined;
  tls: boolean;
  /** The identity the endpoint proved over mTLS (`server_id`), when `tls`. */
  serverId?: string | undefined;
}

/** Inbound label sets kept per (authority, caller) before further ones share one. */
export const MAX_INBOUND_SETS = 1000;
/**
 * Distinct inbound `authority` values (raw Host headers, which any caller can make up)
 * labelled before further ones are labelled `authority="overflow"`; the caller's own
 * labels are kept, so junk Hosts cannot use up the label sets of later callers.
 */
export const MAX_INBOUND_AUTHORITIES = 100;
export const OVERFLOW_AUTHORITY = 'overflow';
/**
 * Outbound label sets kept per (authority, endpoint): past this, new endpoints are
 * labelled without `dst_pod` (one set per workload), and past twice this, further sets
 * are counted together without `authority` or `dst_*`.
 */
export const MAX_OUTBOUND_SETS = 2000;

/**
 * How long an endpoint's label set (one with `dst_pod`) is kept after its last holder
 * released it (and for as long as any of its connections stays open): long enough for
 * scrapes to see its final counts.
 */
export const RETAIN_RELEASED_MS = 120_000;

/** The handles of one outbound label set, with the number of endpoints holding them. */
class OutboundSet implements TargetMetrics {
  holders = 0;
  releasedAt = 0;
  constructor(
    readonly key: string,
    readonly http: HttpAccum,
    readonly tcp: TcpAccum,
  ) {}

  release(): void {
    if (this.holders > 0 && --this.holders === 0) this.releasedAt = Date.now();
  }
}

/** The key of an outbound label set. */
function outboundKey(t: OutboundTarget): string {
  return `o\0${t.authority}\0${t.dstNamespace ?? ''}\0${t.dstDeployment ?? ''}\0${t.dstService ?? ''}\0${t.dstPod ?? ''}\0${t.tls}\0${t.serverId ?? ''}`;
}

/** All of one proxy's metrics. */
export class ProxyMetrics {
  readonly registry = new Registry();
  private readonly http = new Map<string, HttpAccum>();
  private readonly tcp = new Map<string, TcpAccum>();
  private readonly targets = new Map<string, TargetMetrics>();
  private readonly outboundSetsByKey = new Map<string, OutboundSet>();
  /** Outbound sets labelled with a pod: the ones `sweep` may drop. */
  private readonly podSets = new Set<OutboundSet>();
  /** Label sets made by `outbound` and by `inbound`, each held to its own cap. */
  private outboundSets = 0;
  private inboundSets = 0;
  /** Inbound `authority` values labelled so far (up to `MAX_INBOUND_AUTHORITIES`). */
  private readonly inboundAuthorities = new Set<string>();
  private readonly own: Labels;
  private readonly routes: RouteRegistry;
  /** The authorization counters (`inbound_{http,tcp}_authz_*_total`). */
  readonly authz: AuthzMetrics;
  /** Connections turned away at a listener's cap (`tcp_accept_refused_total`). */
  readonly refused: RefusedMetrics;
  /** HTTP/2 connections closed past a flood limit (`weft_h2_flood_closed_total`). */
  readonly h2Floods: H2FloodMetrics;
  /** When this process started, in seconds since the epoch. */
  private readonly startedAt = performance.timeOrigin / 1000;

  constructor(own: OwnLabels) {
    const o: Labels = {};
    if (own.namespace) o[LabelKey.namespace] = own.namespace;
    if (own.deployment) o[LabelKey.deployment] = own.deployment;
    if (own.pod) o[LabelKey.pod] = own.pod;
    this.own = o;
    this.routes = new RouteRegistry(o);
    this.authz = new AuthzMetrics(o);
    this.refused = new RefusedMetrics(o);
    this.h2Floods = new H2FloodMetrics(o);
    registerFamilies(this.registry, this.http, this.tcp, this.own, this.startedAt);
    this.routes.register(this.registry);
    this.authz.register(this.registry);
    this.refused.register(this.registry);
    this.h2Floods.register(this.registry);
  }

  /**
   * Per-route handles for requests this proxy sends through a route of a parent Service:
   * the `outbound_{http,grpc}_route_*` families. Resolved once per (parent, route,
   * protocol, rule) and cached; call it when a plan is compiled, not per request. `rule`:
   * the rule's index in its route document (the `route_rule` label), when known.
   */
  outboundRoute(
    parent: ServicePortRef,
    route: PolicySource,
    protocol: 'http' | 'grpc',
    rule?: number,
  ): RouteMetrics {
    return this.routes.route(parent, route, protocol, rule);
  }

  /** Handles for requests this proxy sends to an endpoint (labels resolved once per endpoint). */
  outbound(t: OutboundTarget): TargetMetrics {
    let key = outboundKey(t);
    let m = this.outboundSetsByKey.get(key);
    if (m === undefined && this.outboundSets >= MAX_OUTBOUND_SETS && t.dstPod) {
      // Pods come and go with every rollout: past the cap, count new ones per workload.
      t = { ...t, dstPod: undefined };
      key = outboundKey(t);
      m = this.outboundSetsByKey.get(key);
    }
    if (m === undefined && this.outboundSets >= 2 * MAX_OUTBOUND_SETS) {
      t = { authority: '', tls: t.tls };
      key = outboundKey(t);
      m = this.outboundSetsByKey.get(key);
    }
    if (m !== undefined) {
      m.holders++;
      return m;
    }
    const l: Labels = { [LabelKey.direction]: Direction.outbound, ...this.own };
    if (t.authority) l[LabelKey.authority] = t.authority;
    if (t.dstNamespace) l[LabelKey.dstNamespace] = t.dstNamespace;
    if (t.dstDeployment) l[LabelKey.dstDeployment] = t.dstDeployment;
    if (t.dstService) l[LabelKey.dstService] = t.dstService;
    if (t.dstPod) l[LabelKey.dstPod] = t.dstPod;
    l[LabelKey.tls] = String(t.tls);
    if (t.serverId) l[LabelKey.serverId] = t.serverId;
    m = new OutboundSet(key, this.httpFor(key, l), this.tcpFor(key, { ...l, [LabelKey.peer]: 'dst' }));
    m.holders = 1;
    this.outboundSetsByKey.set(key, m);
    if (t.dstPod) this.podSets.add(m);
    this.outboundSets++;
    return m;
  }

  /**
   * Drops the label sets of endpoints (those with `dst_pod`) that every holder released
   * at least `RETAIN_RELEASED_MS` before `now` and that have no open connection. Runs
   * at each scrape.
   */
  sweep(now: number): void {
    for (const m of this.podSets) {
      if (m.holders > 0 || now - m.releasedAt < RETAIN_RELEASED_MS || m.tcp.opens !== m.tcp.closes) continue;
      this.podSets.delete(m);
      this.outboundSetsByKey.delete(m.key);
      this.http.delete(m.key);
      this.tcp.delete(m.key);
      this.outboundSets--;
    }
  }

  /**
   * Handles for requests this proxy receives for its workload, by authority and caller
   * (`clientId`: the identity the caller proved over mTLS, labelled `client_id`).
   */
  inbound(
    authority: string,
    srcNamespace: string,
    srcDeployment: string,
    tls: boolean,
    clientId = '',
    srcAddr = '',
  ): TargetMetrics {
    const seen = this.inboundAuthorities;
    if (authority !== '' && !seen.has(authority)) {
      if (seen.size < MAX_INBOUND_AUTHORITIES) seen.add(authority);
      else authority = OVERFLOW_AUTHORITY;
    }
    let key = `i\0${authority}\0${srcNamespace}\0${srcDeployment}\0${tls}\0${clientId}\0${srcAddr}`;
    let m = this.targets.get(key);
    if (m !== undefined) return m;
    if (this.inboundSets >= MAX_INBOUND_SETS) {
      // Unbounded Host headers must not grow memory: further sets are counted together.
      authority = '';
      srcNamespace = '';
      srcDeployment = '';
      clientId = '';
      srcAddr = '';
      key = `i\0\0\0\0${tls}\0\0`;
      m = this.targets.get(key);
      if (m !== undefined) return m;
    }
    const l: Labels = { [LabelKey.direction]: Direction.inbound, ...this.own };
    if (authority) l[LabelKey.authority] = authority;
    if (srcNamespace) l[LabelKey.srcNamespace] = srcNamespace;
    if (srcDeployment) l[LabelKey.srcDeployment] = srcDeployment;
    l[LabelKey.tls] = String(tls);
    if (clientId) l[LabelKey.clientId] = clientId;
    if (srcAddr) l[LabelKey.srcAddr] = srcAddr;
    m = { http: this.httpFor(key, l), tcp: this.tcpFor(key, { ...l, [LabelKey.peer]: 'src' }) };
    this.targets.set(key, m);
    this.inboundSets++;
    return m;
  }

  /**
   * Handles for the inbound side's connections to its app: HTTP counted as inbound for
   * `authority`, TCP with peer="dst".
   */
  inboundApp(authority: string): TargetMetrics {
    const key = `p\0${authority}`;
    let m = this.targets.get(key);
    if (m === undefined) {
      const l: Labels = {
        [LabelKey.direction]: Direction.inbound,
        ...this.own,
        [LabelKey.authority]: authority,
      };
      m = {
        http: this.inbound(authority, '', '', false).http,
        tcp: this.tcpFor(key, { ...l, [LabelKey.peer]: 'dst', [LabelKey.tls]: 'false' }),
      };
      this.targets.set(key, m);
    }
    return m;
  }

  /** TCP handles for connections a listener accepts (peer="src"). */
  accepted(direction: 'inbound' | 'outbound', tls: boolean): TcpMetrics {
    const key = `a\0${direction}\0${tls}`;
    return this.tcpFor(key, {
      [LabelKey.direction]: direction,
      ...this.own,
      [LabelKey.peer]: 'src',
      [LabelKey.tls]: String(tls),
    });
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    this.sweep(Date.now());
    return this.registry.metrics();
  }

  private httpFor(key: string, labels: Labels): HttpAccum {
    let a = this.http.get(key);
    if (a === undefined) {
      a = new HttpAccum(labels);
      this.http.set(key, a);
    }
    return a;
  }

  private tcpFor(key: string, labels: Labels): TcpAccum {
    let a = this.tcp.get(key);
    if (a === undefined) {
      a = new TcpAccum(labels);
      this.tcp.set(key, a);
    }
    return a;
  }
}
