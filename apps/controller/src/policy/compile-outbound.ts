/**
 * Compiles documents and the platform's Services into one `OutboundPolicy` per Service
 * port: its routes in precedence order (one entry per rule match, first match wins),
 * filters, faults, timeouts and retries (route annotations over the Service's), weighted
 * backends, and the Service's failure accrual. Done once per revision or Service change;
 * subscribers only stamp their own authority on the result.
 */
import {
  type BackendPlan,
  type BackendRef,
  type FaultPlan,
  type HeaderModifier,
  type HeaderModifierPlan,
  type HTTPFault,
  type HTTPRouteFilter,
  type OutboundPolicy,
  type PolicyDocument,
  parsePolicyDuration,
  type RedirectPlan,
  type RoutePlan,
  type Service,
  type ServiceAnnotations,
} from '@weft/shared';
import { type AnnotationPolicy, readPolicyAnnotations } from './annotations.ts';
import {
  entriesByPort,
  type RouteDocument,
  type RouteEntry,
  ServiceIndex,
  servicePortKey,
} from './attach.ts';
import { sortByPrecedence } from './precedence.ts';
import { faultTarget } from './validate-policy.ts';

/** The name authority of a Service port, as backends are resolved with `destination.get`. */
export function serviceAuthority(namespace: string, name: string, port: number): string {
  return `${name}.${namespace}.svc.cluster.local:${port}`;
}

function headerPlan(m: HeaderModifier | undefined): HeaderModifierPlan | undefined {
  if (!m) return undefined;
  return {
    set: (m.set ?? []).map((h) => ({ name: h.name.toLowerCase(), value: h.value })),
    add: (m.add ?? []).map((h) => ({ name: h.name.toLowerCase(), value: h.value })),
    remove: (m.remove ?? []).map((h) => h.toLowerCase()),
  };
}

function redirectPlan(filters: readonly HTTPRouteFilter[]): RedirectPlan | undefined {
  const r = filters.find((f) => f.type === 'RequestRedirect')?.requestRedirect;
  if (!r) return undefined;
  const value = r.path?.type === 'ReplaceFullPath' ? r.path.replaceFullPath : r.path?.replacePrefixMatch;
  return {
    ...(r.scheme ? { scheme: r.scheme } : {}),
    ...(r.hostname ? { hostname: r.hostname } : {}),
    ...(r.port ? { port: r.port } : {}),
    ...(r.path && value !== undefined ? { path: { type: r.path.type, value } } : {}),
    statusCode: r.statusCode ?? 302,
  };
}

function faultPlan(fault: HTTPFault): FaultPlan {
  const { abort, delay } = fault.spec;
  return {
    source: { kind: 'HTTPFault', namespace: fault.metadata.namespace, name: fault.metadata.name },
    ...(abort
      ? {
          abort: {
            percent: abort.percentage,
            ...(abort.httpStatus !== undefined ? { httpStatus: abort.httpStatus } : {}),
            ...(abort.grpcStatus !== undefined ? { grpcStatus: abort.grpcStatus } : {}),
          },
        }
      : {}),
    ...(delay
      ? { delay: { percent: delay.percentage, ms: parsePolicyDuration(delay.fixedDelay) ?? 0 } }
      : {}),
  };
}

/** What a compile pass looks up more than once. */
interface Context {
  services: ServiceIndex;
  serviceAnnotations: Map<string, AnnotationPolicy>;
  routeAnnotations: Map<RouteDocument, AnnotationPolicy>;
  faults: Map<RouteDocument, FaultPlan>;
}

function backendPlans(ctx: Context, entry: RouteEntry, parentPort: number): BackendPlan[] {
  const out: BackendPlan[] = [];
  for (const b of (entry.rule.backendRefs ?? []) as BackendRef[]) {
    if ((b.kind ?? 'Service') !== 'Service') continue;
    const ns = b.namespace ?? entry.route.metadata.namespace;
    const port = b.port ?? parentPort;
    const svc = ctx.services.get(ns, b.name);
    if (!svc?.ports.some((p) => p.port === port)) continue;
    const requestHeaders = headerPlan(
      b.filters?.find((f) => f.type === 'RequestHeaderModifier')?.requestHeaderModifier,
    );
    out.push({
      authority: serviceAuthority(ns, b.name, port),
      service: { namespace: ns, name: b.name, port },
      weight: b.weight ?? 1,
      ...(requestHeaders ? { requestHeaders } : {}),
    });
  }
  return out;
}

function routePlan(ctx: Context, entry: RouteEntry, svc: Service, port: number): RoutePlan {
  const filters = (entry.rule.filters ?? []) as HTTPRouteFilter[];
  const own = ctx.routeAnnotations.get(entry.route);
  const inherited = ctx.serviceAnnotations.get(`${svc.namespace}/${svc.name}`);
  const gateway = 'timeouts' in entry.rule ? entry.rule.timeouts : undefined;
  const request = gateway?.request ? parsePolicyDuration(gateway.request) : undefined;
  const backendRequest = gateway?.backendRequest ? parsePolicyDuration(gateway.backendRequest) : undefined;
  const annotated = own?.timeouts ?? inherited?.timeouts ?? {};
  const retry = own?.retry ?? inherited?.retry;
  const requestHeaders = headerPlan(
    filters.find((f) => f.type === 'RequestHeaderModifier')?.requestHeaderModifier,
  );
  const responseHeaders = headerPlan(
    filters.find((f) => f.type === 'ResponseHeaderModifier')?.responseHeaderModifier,
  );
  const redirect = redirectPlan(filters);
  const fault = ctx.faults.get(entry.route);
  // Gateway API: a timeout of 0s means none.
  const requestMs = request || annotated.requestMs;
  return {
    source: {
      kind: entry.route.kind,
      namespace: entry.route.metadata.namespace,
      name: entry.route.metadata.name,
    },
    rule: entry.ruleIndex,
    matches: [entry.match],
    ...(requestHeaders ? { requestHeaders } : {}),
    ...(responseHeaders ? { responseHeaders } : {}),
    ...(redirect ? { redirect } : {}),
    ...(fault ? { fault } : {}),
    timeouts: {
      ...(requestMs ? { requestMs } : {}),
      ...(backendRequest ? { backendRequestMs: backendRequest } : {}),
      ...(annotated.responseMs ? { responseMs: annotated.responseMs } : {}),
      ...(annotated.idleMs ? { idleMs: annotated.idleMs } : {}),
    },
    ...(retry ? { retry } : {}),
    backends: backendPlans(ctx, entry, port),
  };
}

/** The implicit route of a Service with annotations but no attached route. */
function defaultRoute(svc: Service, ann: AnnotationPolicy): RoutePlan {
  return {
    source: { kind: 'default', namespace: svc.namespace, name: svc.name },
    rule: 0,
    matches: [],
    timeouts: { ...ann.timeouts },
    ...(ann.retry ? { retry: ann.retry } : {}),
    backends: [],
  };
}

/** `servicePortKey` → the Service port's policy (with the name authority; subscribers put their own). */
export function compileOutbound(
  documents: readonly PolicyDocument[],
  services: readonly Service[],
  revision: number,
): Map<string, OutboundPolicy> {
  const index = new ServiceIndex(services);
  const ctx: Context = {
    services: index,
    serviceAnnotations: new Map(),
    routeAnnotations: new Map(),
    faults: new Map(),
  };
  for (const doc of documents) {
    if (doc.kind === 'Service')
      ctx.serviceAnnotations.set(
        `${doc.metadata.namespace}/${doc.metadata.name}`,
        readPolicyAnnotations((doc as ServiceAnnotations).metadata.annotations, 'service'),
      );
    else if (doc.kind === 'HTTPRoute' || doc.kind === 'GRPCRoute')
      ctx.routeAnnotations.set(doc, readPolicyAnnotations(doc.metadata.annotations, 'route'));
    else if (doc.kind === 'HTTPFault') {
      const route = faultTarget(doc, documents);
      if (route && !ctx.faults.has(route)) ctx.faults.set(route, faultPlan(doc));
    }
  }
  const attached = entriesByPort(documents, index);
  const out = new Map<string, OutboundPolicy>();
  for (const svc of index.all()) {
    const ann = ctx.serviceAnnotations.get(`${svc.namespace}/${svc.name}`);
    for (const p of svc.ports) {
      const key = servicePortKey(svc.namespace, svc.name, p.port);
      const entries = sortByPrecedence(attached.get(key) ?? []);
      const routes = entries.map((e) => routePlan(ctx, e, svc, p.port));
      if (routes.length === 0 && ann && (ann.retry || ann.timeouts)) routes.push(defaultRoute(svc, ann));
      out.set(key, {
        revision,
        authority: serviceAuthority(svc.namespace, svc.name, p.port),
        service: { namespace: svc.namespace, name: svc.name, port: p.port },
        protocol: entries[0]?.route.kind === 'GRPCRoute' ? 'grpc' : 'http',
        routes,
        failureAccrual: ann?.failureAccrual ?? null,
      });
    }
  }
  return out;
}
