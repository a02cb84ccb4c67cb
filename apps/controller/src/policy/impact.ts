/**
 * `policies.trafficImpact`: a dry run of a change against the traffic observed in the
 * last minutes. Every topology edge into a meshed workload is judged, for each port its
 * Services reach it on, by the compiled authorization before and after (the same
 * evaluation as `policies.authorization`); and every route whose backends' shares change
 * says how many requests per second each backend gets before and after, out of the
 * traffic its parent Service saw (or, when the parent has several routes, out of what
 * the callers' proxies counted on that route rule).
 */
import {
  type Edge,
  type OutboundPolicy,
  type Pod,
  type RouteMetricsRow,
  type RoutePlan,
  type Service,
  type ServicePortRef,
  selectorMatches,
  type TrafficImpact,
  type TrafficImpactBackend,
  type TrafficImpactEdge,
  UNKNOWN_SOURCE,
  type Workload,
} from '@weft/shared';
import type { Platform } from '../core/platform.ts';
import { judge, workloadAddresses } from './authz-report.ts';
import type { CompiledPlans } from './compile-plans.ts';
import { workloadPorts } from './describe-authz.ts';
import { backendShares, isCatchAll, routeKey, routeName } from './describe-outbound.ts';
import type { PolicyService } from './service.ts';

/** Reads the edges of the last `seconds` (the metrics service's topology). */
export type EdgeReader = (seconds: number) => Promise<Edge[]>;

/** Per-route golden metrics of the routes of Service `namespace/service` over the last `seconds`. */
export type RouteReader = (namespace: string, service: string, seconds: number) => Promise<RouteMetricsRow[]>;

/** A route rule's observed requests per second (all its matches), or undefined when unknown. */
type RouteRps = (parent: ServicePortRef, route: RoutePlan) => number | undefined;

type ImpactPlatform = Pick<Platform, 'listWorkloads' | 'listServices' | 'listPods'>;

/** The workloads a Service's selector picks. */
export function serviceWorkloads(svc: Service, workloads: readonly Workload[]): Workload[] {
  if (Object.keys(svc.selector).length === 0) return [];
  return workloads.filter(
    (w) => w.namespace === svc.namespace && selectorMatches({ matchLabels: svc.selector }, w.labels),
  );
}

/** Each observed edge into a meshed workload, per port, judged before and after. */
export function judgeEdges(
  edges: readonly Edge[],
  before: CompiledPlans,
  after: CompiledPlans,
  world: { workloads: readonly Workload[]; services: readonly Service[]; pods: readonly Pod[] },
): TrafficImpactEdge[] {
  const byRef = new Map(world.workloads.map((w) => [`${w.namespace}/${w.name}`, w]));
  const out: TrafficImpactEdge[] = [];
  for (const e of edges) {
    const w = byRef.get(`${e.destination.namespace}/${e.destination.name}`);
    // Only a destination's own proxy enforces authorization.
    if (!w || w.meshedReplicas === 0) continue;
    const addresses =
      e.source.name === UNKNOWN_SOURCE
        ? []
        : workloadAddresses(world.pods, e.source.namespace, e.source.name);
    for (const port of workloadPorts(w, world.services)) {
      const a = judge(before.authz.plan(w, w.namespace, w.name, port), e.clientIdentity, addresses);
      const b = judge(after.authz.plan(w, w.namespace, w.name, port), e.clientIdentity, addresses);
      out.push({
        source: { namespace: e.source.namespace, name: e.source.name, meshed: !e.sourceUnmeshed },
        destination: e.destination,
        port,
        identity: e.clientIdentity,
        rps: e.metrics.rps,
        before: a.verdict,
        after: b.verdict,
        beforeRule: a.rule,
        afterRule: b.rule,
      });
    }
  }
  return out;
}

/** Requests per second meshed callers sent to the workloads behind a set of Services. */
function observedRps(
  names: readonly string[],
  namespace: string,
  edges: readonly Edge[],
  world: { workloads: readonly Workload[]; services: readonly Service[] },
): number {
  const targets = new Set<string>();
  for (const name of names) {
    const svc = world.services.find((s) => s.namespace === namespace && s.name === name);
    if (svc) for (const w of serviceWorkloads(svc, world.workloads)) targets.add(w.name);
  }
  let rps = 0;
  for (const e of edges)
    if (!e.sourceUnmeshed && e.destination.namespace === namespace && targets.has(e.destination.name))
      rps += e.metrics.rps;
  return rps;
}

/** Routes of one Service port whose backend shares change, with the traffic each backend gets. */
export function backendShifts(
  before: ReadonlyMap<string, OutboundPolicy>,
  after: ReadonlyMap<string, OutboundPolicy>,
  edges: readonly Edge[],
  world: { workloads: readonly Workload[]; services: readonly Service[] },
  routeRps?: RouteRps,
): TrafficImpactBackend[] {
  const out: TrafficImpactBackend[] = [];
  for (const [key, b] of after) {
    const a = before.get(key);
    const parent = b.service;
    if (!parent) continue;
    const routesA: (RoutePlan | undefined)[] = a?.routes.length ? a.routes : [undefined];
    const routesB: (RoutePlan | undefined)[] = b.routes.length ? b.routes : [undefined];
    // One route (or none) before: all of the parent's traffic took it, so its rate is known.
    const single = routesA.length === 1;
    const names: string[] = [];
    for (const r of routesA) backendShares(r, parent.name, names);
    const total = single ? observedRps(names, parent.namespace, edges, world) : null;
    for (const rb of routesB) {
      // The same route before; a catch-all route now takes what no route took before.
      const ra =
        rb === undefined
          ? routesA.find((r) => r === undefined || isCatchAll(r))
          : (routesA.find((r) => r !== undefined && routeKey(r) === routeKey(rb)) ??
            (single && routesA[0] === undefined && isCatchAll(rb) ? undefined : null));
      if (ra === null) continue; // a new route: no traffic of the parent is known to take it
      const order: string[] = [];
      const sa = backendShares(ra, parent.name, order);
      const sb = backendShares(rb, parent.name, order);
      if (order.every((n) => Math.abs((sa.get(n) ?? 0) - (sb.get(n) ?? 0)) < 0.05)) continue;
      // Several routes: the rule's own rate, where the callers' proxies counted it.
      const rate = total ?? (ra && routeRps ? (routeRps(parent, ra) ?? null) : null);
      for (const name of order) {
        const pa = sa.get(name) ?? 0;
        const pb = sb.get(name) ?? 0;
        const port = [...(ra?.backends ?? []), ...(rb?.backends ?? [])].find((x) => x.service.name === name)
          ?.service.port;
        out.push({
          parent,
          route: rb ? routeName(rb) : ra ? routeName(ra) : 'default',
          backend: { namespace: parent.namespace, name, port: port ?? parent.port },
          percentBefore: pa,
          percentAfter: pb,
          rpsBefore: rate === null ? null : (rate * pa) / 100,
          rpsAfter: rate === null ? null : (rate * pb) / 100,
        });
      }
    }
  }
  return out;
}

/** The dry run of `yaml` against the edges of the last `windowMinutes`. */
export async function trafficImpact(
  policy: PolicyService,
  platform: ImpactPlatform,
  readEdges: EdgeReader | undefined,
  yaml: string,
  windowMinutes: number,
  readRoutes?: RouteReader,
): Promise<TrafficImpact> {
  const { live, next, result } = policy.preview(yaml);
  const empty = {
    windowMinutes,
    valid: result.valid,
    errors: result.errors,
    observed: readEdges !== undefined,
  };
  if (!result.valid) return { ...empty, edges: [], changed: [], brokenUnmeshed: [], backends: [] };
  const edges = readEdges ? await readEdges(windowMinutes * 60) : [];
  const world = {
    workloads: platform.listWorkloads(),
    services: platform.listServices(),
    pods: platform.listPods(),
  };
  const before = policy.plansFor(live);
  const after = policy.plansFor(next);
  const judged = judgeEdges(edges, before, after, world);
  const changed = judged.filter((e) => e.before !== e.after);
  return {
    ...empty,
    edges: judged,
    changed,
    brokenUnmeshed: changed.filter((e) => !e.source.meshed && e.before !== 'deny' && e.after === 'deny'),
    backends: await withRouteRates(
      backendShifts(before.outbound, after.outbound, edges, world),
      readRoutes,
      windowMinutes * 60,
      (routeRps) => backendShifts(before.outbound, after.outbound, edges, world, routeRps),
    ),
  };
}

/**
 * `shifts` again with per-route rates where a parent's rate could not be split by route
 * (rps null): the parents' route metrics are read once each, and the shifts recomputed.
 */
async function withRouteRates(
  shifts: TrafficImpactBackend[],
  readRoutes: RouteReader | undefined,
  seconds: number,
  again: (routeRps: RouteRps) => TrafficImpactBackend[],
): Promise<TrafficImpactBackend[]> {
  if (readRoutes === undefined) return shifts;
  const parents = new Map<string, { namespace: string; name: string }>();
  for (const s of shifts)
    if (s.rpsBefore === null) parents.set(`${s.parent.namespace}/${s.parent.name}`, s.parent);
  if (parents.size === 0) return shifts;
  const rows = new Map<string, RouteMetricsRow[]>();
  await Promise.all(
    [...parents].map(async ([k, p]) => rows.set(k, await readRoutes(p.namespace, p.name, seconds))),
  );
  return again((parent, route) => {
    let rps: number | undefined;
    for (const r of rows.get(`${parent.namespace}/${parent.name}`) ?? []) {
      const k = r.route;
      if (k.parentPort !== parent.port || k.kind !== route.source.kind || k.name !== route.source.name)
        continue;
      if (k.namespace !== route.source.namespace || (k.rule ?? 0) !== route.rule) continue;
      rps = (rps ?? 0) + r.metrics.rps;
    }
    return rps;
  });
}
