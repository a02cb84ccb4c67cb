/**
 * Composes and runs one proxy, in the linkerd2-proxy manner: the stacks are built once
 * at start-up, inside out, and every connection then flows through them.
 *
 *   outbound: listen → accept → detect → HTTP/1 (authority → cache → concrete → P2C → pool)
 *                                      └→ CONNECT / h2 / opaque → protocol servers
 *   inbound:  listen (public port) → accept → detect → HTTP/1 | h2 | opaque → the app port
 *   admin:    /metrics /ready /live /shutdown
 *
 * `startProxy` resolves once every listener is bound; `/ready` answers 200 from then on.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import {
  type Endpoint,
  type OutboundPolicy,
  POLICY_REVISION_METRIC,
  POLICY_STREAMS_WAITING_METRIC,
  type ProxyRoute,
} from '@weft/shared';
import { startAdmin } from './admin/server.ts';
import { DEFAULT_RETRY_BUDGET, type RetryBudgetOptions } from './balance/budget.ts';
import { ConcreteService } from './balance/concrete.ts';
import type { ProxySettings } from './config/settings.ts';
import type { ConnTarget, ProtocolHandlers } from './detect/handoff.ts';
import type { HostPort } from './env.ts';
import { DEFAULT_H2_OPTIONS } from './h2/index.ts';
import { sweepIdle } from './http/client-conn.ts';
import { ProxyMetrics } from './metrics/registry.ts';
import { TargetCache } from './outbound/cache.ts';
import { compileInbound, compileOutbound } from './policy/plan.ts';
import { DestinationResolver } from './resolve/destination.ts';
import { PolicyClient } from './resolve/policy.ts';
import { StaticResolver } from './resolve/static.ts';
import type { Resolver } from './resolve/types.ts';
import { Ticker } from './runtime/ticker.ts';
import { ListenerContext } from './stack/context.ts';
import { inboundStack } from './stack/inbound.ts';
import { outboundStack } from './stack/outbound.ts';
import { type PlanView, PolicyRef } from './stack/plan-view.ts';
import { bindRouteMetrics } from './stack/route-metrics.ts';
import { StaticPlan } from './stack/static-plan.ts';
import { TapHub } from './tap/hub.ts';
import { type Connector, TcpConnector } from './transport/connector.ts';
import { Listener, type ListenerCaps } from './transport/listen.ts';
import { loadOriginalDst, type OriginalDst } from './transport/original-dst.ts';
import { type InboundChoice, transparentAccept, transparentInbound } from './transport/transparent.ts';
import { createProtocolServers } from './tunnel/index.ts';

/** Idle keep-alive connections to endpoints close after this (below Node's 5 s server default). */
export const POOL_IDLE_MS = 4_000;

export interface StartOptions {
  /** Replaces plain TCP to endpoints (the identity work's mTLS connector). */
  connector?: Connector;
  /** This proxy's own mesh identity when identity is on (tap events name both sides of mTLS). */
  identity?: string;
  /** Replaces or adds protocol handlers (e.g. `serveTls` for inbound mTLS). */
  handlers?: Partial<ProtocolHandlers>;
  /** Overrides the retry budget (tests). */
  retryBudget?: RetryBudgetOptions;
  /** Extra readiness condition (e.g. a certificate obtained). */
  ready?: () => boolean;
  /** The identity inbound mTLS is served as, while a certificate is held. */
  tlsIdentity?: () => string | undefined;
  /** Called with one-line warnings (discovery failures). */
  log?: (line: string) => void;
  /** Called when `/shutdown` is requested. */
  onShutdown?: () => void;
  /** Replaces the addon that reads a redirected connection's original destination (tests). */
  originalDst?: OriginalDst | null;
  /** The `Authorization` value for controller calls (the renewed workload token); default: the env's token. */
  authorization?: () => string | undefined;
  /** Destination stream reconnect backoff, ms. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
}

/** A running proxy. */
export interface RunningProxy {
  readonly inbound: { address: HostPort; app: HostPort }[];
  readonly outbound: HostPort;
  readonly admin: HostPort;
  readonly metrics: ProxyMetrics;
  /** Stops accepting, lets requests in flight finish within `graceMs`, then closes everything. */
  drain(graceMs: number): Promise<void>;
}

const EMPTY = Buffer.alloc(0);

export async function startProxy(s: ProxySettings, o: StartOptions = {}): Promise<RunningProxy> {
  const env = s.env;
  const cfg = s.config;
  const ticker = new Ticker(100);
  const metrics = new ProxyMetrics({ namespace: env.namespace, deployment: env.workload, pod: env.pod });
  const connector = o.connector ?? new TcpConnector();
  const protocols = createProtocolServers(connector, {
    h2: {
      ...DEFAULT_H2_OPTIONS,
      // endpoint sessions (gRPC, and HTTP/1 to meshed endpoints) connect as HTTP/1 does
      connectTimeoutMs: cfg.timeouts.connectMs,
      queueTimeoutMs: cfg.http2.queueTimeoutMs,
      maxQueuedStreams: cfg.http2.maxQueuedStreams,
      floods: metrics.h2Floods,
    },
    h2Engine: env.h2Engine,
    tcp: { connectTimeoutMs: cfg.timeouts.connectMs, idleTimeoutMs: 3_600_000 },
  });
  const handlers: ProtocolHandlers = { ...protocols, ...o.handlers };
  const state = { draining: false };
  const tap = new TapHub(
    [env.namespace, env.workload, env.pod].filter((x) => x).join('/') || 'proxy',
    env.namespace ?? null,
    env.workload ?? null,
  );
  tap.identity = o.identity ?? null;
  const srcLine = env.namespace && env.workload ? `weft-src: ${env.namespace}/${env.workload}\r\n` : '';
  const log = o.log ?? (() => {});

  // === discovery ===
  // Every controller call carries the workload token (renewed by main.ts, else the env's).
  const authorization =
    o.authorization ?? (() => (env.identityToken ? `Bearer ${env.identityToken}` : undefined));
  const controller: Resolver | null = env.controllerUrl
    ? new DestinationResolver({
        controllerUrl: env.controllerUrl,
        authorization,
        onWarning: log,
        ...(o.backoffMinMs !== undefined ? { backoffMinMs: o.backoffMinMs } : {}),
        ...(o.backoffMaxMs !== undefined ? { backoffMaxMs: o.backoffMaxMs } : {}),
      })
    : null;
  const resolver = new StaticResolver(cfg.destinations, controller);
  const policies: PolicyClient | null = env.controllerUrl
    ? new PolicyClient({
        controllerUrl: env.controllerUrl,
        metrics,
        authorization,
        onWarning: log,
        ...(o.backoffMinMs !== undefined ? { backoffMinMs: o.backoffMinMs } : {}),
        ...(o.backoffMaxMs !== undefined ? { backoffMaxMs: o.backoffMaxMs } : {}),
      })
    : null;

  // === outbound: the per-authority cached stack ===
  const cache = new TargetCache({
    resolver,
    metricsFor: (authority, ep, service) =>
      metrics.outbound({
        authority,
        dstNamespace: ep.namespace,
        dstDeployment: ep.workload,
        dstService: service,
        dstPod: ep.pod,
        tls: connector.secured(ep),
        serverId: connector.secured(ep) ? ep.identity : undefined,
      }),
    authorityMetrics: (authority) => metrics.outbound({ authority, tls: false }),
    staticPlans: staticPlans({ ...cfg.routes, ...routesOf(cfg.destinations) }, cfg.policies, metrics),
    ...(policies !== null ? { onTarget: (t: ConnTarget) => policies.watchOutbound(t) } : {}),
    budget: o.retryBudget ?? DEFAULT_RETRY_BUDGET,
    cacheIdleMs: cfg.timeouts.cacheIdleMs,
    poolIdleMs: POOL_IDLE_MS,
  });
  const common = {
    connector,
    handlers,
    ticker,
    timeouts: cfg.timeouts,
    metrics,
    srcLine,
    state,
  };
  const outCtx = new ListenerContext({
    ...common,
    direction: 'outbound',
    cache,
    fixed: null,
    stack: outboundStack(cache, cfg.timeouts.resolveMs, tap),
    meshH2: env.meshH2 ? protocols.wirePool : null,
  });
  cache.ctx = outCtx;

  // === inbound: one fixed target (the app port) per public port ===
  const inCtxs: ListenerContext[] = [];
  const appConcretes: ConcreteService[] = [];
  const inStack = inboundStack(cfg.timeouts.resolveMs, tap);
  for (const pair of s.inboundPorts) {
    const ctx = new ListenerContext({
      ...common,
      direction: 'inbound',
      cache: null,
      fixed: null,
      stack: inStack,
    });
    const authority = `${s.appHost}:${pair.app}`;
    const concrete = new ConcreteService(
      authority,
      (auth) => metrics.inboundApp(auth),
      o.retryBudget ?? DEFAULT_RETRY_BUDGET,
    );
    const app: Endpoint = {
      address: s.appHost,
      port: pair.app,
      pod: env.pod ?? '',
      workload: env.workload ?? '',
      namespace: env.namespace ?? '',
      meshed: false,
    };
    concrete.update([app]);
    concrete.authorityMetrics = metrics.inbound(authority, '', '', false);
    const policy = new PolicyRef();
    const fixedPolicy = cfg.inboundPolicies.find((p) => p.port === pair.app);
    if (fixedPolicy !== undefined) policy.inbound = compileInbound(fixedPolicy, undefined, metrics.authz);
    ctx.fixed = { ctx, authority, concrete, policy } satisfies ConnTarget;
    if (policies !== null && env.namespace && env.workload)
      policies.watchInbound({ namespace: env.namespace, name: env.workload }, pair.app, policy);
    inCtxs.push(ctx);
    appConcretes.push(concrete);
  }

  // === listeners ===
  // transparent capture: iptables redirected the connection; its original destination is the target
  const originalDst =
    env.capture === 'transparent'
      ? o.originalDst !== undefined
        ? o.originalDst
        : loadOriginalDst(log, env.originalDstAddon)
      : null;
  const caps = (direction: 'inbound' | 'outbound', listener: string): ListenerCaps => ({
    total: env.maxConnections,
    perSource: env.maxConnectionsPerSource,
    refusedTotal: metrics.refused.counter(direction, listener, 'total'),
    refusedPerSource: metrics.refused.counter(direction, listener, 'per_source'),
  });
  const outListener = new Listener(
    'outbound',
    originalDst !== null
      ? transparentAccept(outCtx, originalDst)
      : (sock: Socket) => outCtx.detect(sock, EMPTY, null),
    metrics.accepted('outbound', false),
    caps('outbound', 'outbound'),
  );
  const listeners: Listener[] = [outListener];
  const inbound: { address: HostPort; app: HostPort }[] = [];
  try {
    const outbound = await outListener.listen(s.outboundListen);
    // transparent: pairs sharing a public port (4143) share one listener, chosen by original port
    const sharedInbound = new Map<number, HostPort>();
    for (let k = 0; k < inCtxs.length; k++) {
      const ctx = inCtxs[k] as ListenerContext;
      const pair = s.inboundPorts[k] as { public: number; app: number };
      const bound = sharedInbound.get(pair.public);
      if (bound !== undefined) {
        inbound.push({ address: bound, app: { host: s.appHost, port: pair.app } });
        continue;
      }
      const sharing = originalDst !== null && pair.public !== 0 ? inboundSharing(s, inCtxs, pair.public) : [];
      const l = new Listener(
        `inbound:${pair.public}`,
        sharing.length > 1
          ? transparentInbound(sharing, originalDst as OriginalDst)
          : (sock: Socket) => ctx.detect(sock, EMPTY, ctx.fixed),
        metrics.accepted('inbound', false),
        caps('inbound', `inbound:${pair.public}`),
      );
      listeners.push(l);
      const address = await l.listen({ host: s.inboundHost, port: pair.public });
      if (sharing.length > 1) sharedInbound.set(pair.public, address);
      inbound.push({ address, app: { host: s.appHost, port: pair.app } });
    }

    // === sweeps on one coarse ticker ===
    const contexts = [outCtx, ...inCtxs];
    ticker.add((now) => {
      for (const c of contexts) c.sweep(now);
    });
    let n = 0;
    ticker.add((now) => {
      // pools and the cache every second
      if (++n % 10 !== 0) return;
      cache.sweep(now);
      for (const c of appConcretes) for (const ep of c.all()) sweepIdle(ep, now, POOL_IDLE_MS);
    });
    ticker.start();

    let listening = true;
    let adminServer: Server | null = null;
    let drained: Promise<void> | null = null;
    const proxy: RunningProxy = {
      inbound,
      outbound,
      admin: { host: '', port: 0 },
      metrics,
      drain(graceMs: number): Promise<void> {
        drained ??= (async () => {
          state.draining = true;
          listening = false;
          await Promise.all(listeners.map((l) => l.stop()));
          for (const c of contexts) for (const conn of c.conns) conn.drain();
          protocols.drain();
          const deadline = Date.now() + graceMs;
          const busy = () =>
            contexts.some((c) => [...c.conns].some((x) => x.active)) || protocols.activeConnections() > 0;
          while (Date.now() < deadline && busy()) {
            await new Promise((r) => setTimeout(r, 25));
          }
          for (const l of listeners) l.destroyAll();
          protocols.close();
          cache.close();
          for (const c of appConcretes) c.close();
          resolver.close();
          policies?.close();
          ticker.stop();
          const admin = adminServer;
          if (admin !== null) {
            admin.closeAllConnections();
            await new Promise<void>((r) => admin.close(() => r()));
          }
        })();
        return drained;
      },
    };
    const admin = await startAdmin(s.adminListen, {
      metrics: async () => (await metrics.text()) + policyRevisionText(policies),
      ready: () => listening && (o.ready === undefined || o.ready()),
      ...(o.tlsIdentity ? { tlsIdentity: o.tlsIdentity } : {}),
      shutdown: () => (o.onShutdown ?? (() => void proxy.drain(env.drainGraceMs)))(),
      ...(env.adminToken ? { shutdownToken: env.adminToken } : {}),
      tap,
    });
    adminServer = admin.server;
    (proxy as { admin: HostPort }).admin = admin.address;
    return proxy;
  } catch (err) {
    for (const l of listeners) {
      await l.stop();
      l.destroyAll();
    }
    protocols.close();
    resolver.close();
    policies?.close();
    throw err;
  }
}

/** The inbound pairs listening on `publicPort`, with their contexts and fixed targets. */
function inboundSharing(s: ProxySettings, ctxs: ListenerContext[], publicPort: number): InboundChoice[] {
  const out: InboundChoice[] = [];
  for (let k = 0; k < ctxs.length; k++) {
    const pair = s.inboundPorts[k] as { public: number; app: number };
    const ctx = ctxs[k] as ListenerContext;
    if (pair.public === publicPort) out.push({ appPort: pair.app, ctx, target: ctx.fixed as ConnTarget });
  }
  return out;
}

/** Plans of the static config: `routes` per authority, and whole `policies` (which win). */
function staticPlans(
  routes: Record<string, ProxyRoute[]>,
  policies: OutboundPolicy[],
  metrics: ProxyMetrics,
): Record<string, PlanView> {
  const out: Record<string, PlanView> = {};
  for (const [authority, rs] of Object.entries(routes)) out[authority.toLowerCase()] = new StaticPlan(rs);
  for (const p of policies) out[p.authority.toLowerCase()] = bindRouteMetrics(compileOutbound(p), metrics);
  return out;
}

/**
 * The policy gauges: the live policy streams with no update yet, and, only when there is
 * none, `weft_policy_revision`, the lowest revision across them (a proxy whose new
 * authority still runs its defaults does not run any revision everywhere).
 */
function policyRevisionText(policies: PolicyClient | null): string {
  const r = policies?.revisions();
  if (r === undefined || (r.waiting === 0 && r.lowest === undefined)) return '';
  let text =
    `# HELP ${POLICY_STREAMS_WAITING_METRIC} This proxy's policy streams that have had no update yet (their targets run the defaults).\n` +
    `# TYPE ${POLICY_STREAMS_WAITING_METRIC} gauge\n${POLICY_STREAMS_WAITING_METRIC} ${r.waiting}\n`;
  if (r.waiting === 0)
    text +=
      `# HELP ${POLICY_REVISION_METRIC} The lowest traffic-policy revision applied across this proxy's policy streams (absent while one has had no update).\n` +
      `# TYPE ${POLICY_REVISION_METRIC} gauge\n${POLICY_REVISION_METRIC} ${r.lowest}\n`;
  return text;
}

function routesOf(destinations: ProxySettings['config']['destinations']): Record<string, ProxyRoute[]> {
  const out: Record<string, ProxyRoute[]> = {};
  for (const [authority, d] of Object.entries(destinations)) {
    if (d.routes.length > 0) out[authority.toLowerCase()] = d.routes;
  }
  return out;
}
