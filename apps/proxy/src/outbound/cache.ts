/**
 * The per-authority cache of the outbound stack (linkerd's `push_new_idle_cached`):
 * authority → resolved, balanced `ConnTarget`, built on first use and dropped when
 * unused for `cacheIdleMs` (discovery unsubscribed, idle connections closed). Authorities
 * that are not mesh services are forwarded directly when they are an IP:port.
 */
import type { Endpoint, EndpointSet } from '@weft/shared';
import type { RetryBudgetOptions } from '../balance/budget.ts';
import { ConcreteService } from '../balance/concrete.ts';
import type { ConnTarget, ProxyContext } from '../detect/handoff.ts';
import { ProxyError, ProxyErrorReason } from '../errors/respond.ts';
import { sweepIdle } from '../http/client-conn.ts';
import type { TargetMetrics } from '../metrics/handles.ts';
import type { Resolver } from '../resolve/types.ts';
import { type PlanView, PolicyRef } from '../stack/plan-view.ts';

const IPV4_PORT = /^((?:\d{1,3}\.){3}\d{1,3}):(\d{1,5})$/;

/**
 * Builds the metrics handles of an endpoint (once per endpoint), given the name of the
 * Service its authority resolved to, when it resolved to one.
 */
export type ServiceEndpointMetricsFactory = (
  authority: string,
  ep: Endpoint,
  service: string | undefined,
) => TargetMetrics;

export interface TargetCacheOptions {
  resolver: Resolver;
  metricsFor: ServiceEndpointMetricsFactory;
  authorityMetrics: (authority: string) => TargetMetrics;
  /** Plans from the static config, per lower-case authority. */
  staticPlans: Record<string, PlanView>;
  /** Called for each new target (the policy client subscribes its authority); returns the unsubscribe. */
  onTarget?: (target: ConnTarget) => () => void;
  budget: RetryBudgetOptions;
  cacheIdleMs: number;
  poolIdleMs: number;
}

/** The endpoint used to forward to an IP:port that is not a mesh service. */
export function directEndpoint(authority: string): Endpoint | undefined {
  const m = IPV4_PORT.exec(authority);
  if (!m || Number(m[2]) > 65535 || Number(m[2]) < 1) return undefined;
  return { address: m[1] as string, port: Number(m[2]), pod: '', workload: '', namespace: '', meshed: false };
}

export class TargetCache {
  private readonly map = new Map<string, ConnTarget>();
  ctx: ProxyContext | null = null;

  constructor(private readonly opts: TargetCacheOptions) {}

  get(authority: string): ConnTarget {
    let t = this.map.get(authority);
    if (t !== undefined) return t;
    const key = authority.toLowerCase();
    t = this.map.get(key);
    if (t === undefined) {
      t = this.create(key);
      this.map.set(key, t);
    }
    if (key !== authority) this.map.set(authority, t);
    return t;
  }

  private create(authority: string): ConnTarget {
    const o = this.opts;
    // The service is known once discovery answers, before any endpoint's handles are built.
    const resolved: { service: string | undefined } = { service: undefined };
    const concrete = new ConcreteService(
      authority,
      (a, ep) => o.metricsFor(a, ep, resolved.service),
      o.budget,
    );
    concrete.authorityMetrics = o.authorityMetrics(authority);
    const policy = new PolicyRef();
    const plan = o.staticPlans[authority];
    if (plan !== undefined) {
      policy.staticPlan = plan;
      policy.plan = plan;
      concrete.setFailureAccrual(plan.failureAccrual ?? null);
    }
    concrete.lastUsed = Date.now();
    const unsubscribe = o.resolver.resolve(authority, (set) => {
      resolved.service = set.service?.name;
      apply(concrete, set);
    });
    const target: ConnTarget = { ctx: this.ctx as ProxyContext, authority, concrete, policy };
    const unwatch = o.onTarget?.(target);
    concrete.onDrop =
      unwatch === undefined
        ? unsubscribe
        : () => {
            unsubscribe();
            unwatch();
          };
    return target;
  }

  /** Drops idle destinations and closes old idle connections. */
  sweep(now: number): void {
    const dropped = new Set<ConnTarget>();
    for (const [key, t] of this.map) {
      const c = t.concrete as ConcreteService;
      if (c.holders === 0 && now - c.lastUsed > this.opts.cacheIdleMs) {
        this.map.delete(key);
        if (!dropped.has(t)) {
          dropped.add(t);
          c.close();
        }
        continue;
      }
      for (const ep of c.all()) sweepIdle(ep, now, this.opts.poolIdleMs);
    }
  }

  /** Every cached target (for drain). */
  close(): void {
    for (const t of new Set(this.map.values())) (t.concrete as ConcreteService).close();
    this.map.clear();
  }

  get size(): number {
    return new Set(this.map.values()).size;
  }
}

/** Applies a resolution: the service's endpoints, or a direct forward, or a failure. */
function apply(concrete: ConcreteService, set: EndpointSet): void {
  if (set.service !== null || set.endpoints.length > 0) {
    concrete.update(set.endpoints);
    return;
  }
  const direct = directEndpoint(concrete.authority);
  if (direct !== undefined) concrete.update([direct]);
  else if (!concrete.ready) {
    concrete.fail(
      new ProxyError(ProxyErrorReason.unresolvable, `${concrete.authority} is not a mesh service`),
    );
  } else concrete.update([]);
}
