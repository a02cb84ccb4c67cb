/**
 * Where routes attach: resolves each HTTPRoute/GRPCRoute's `parentRefs` to Service
 * ports (or, for per-route authorization, to Servers) and expands the route into one
 * entry per (rule, match), in the plan's own match shape. Validation, shadow detection
 * and compilation all read these entries.
 */
import {
  type GRPCRoute,
  type GRPCRouteRule,
  type HTTPRoute,
  type HTTPRouteRule,
  LINKERD_POLICY_GROUP,
  type ParentRef,
  type PolicyDocument,
  type RouteMatchPlan,
  type Service,
  WEFT_POLICY_GROUP,
} from '@weft/shared';

export type RouteDocument = HTTPRoute | GRPCRoute;

/** One match of one rule of one route, attached to one Service port. */
export interface RouteEntry {
  route: RouteDocument;
  ruleIndex: number;
  matchIndex: number;
  rule: HTTPRouteRule | GRPCRouteRule;
  match: RouteMatchPlan;
}

/** `demo/inventory:8080`. */
export function servicePortKey(namespace: string, name: string, port: number): string {
  return `${namespace}/${name}:${port}`;
}

export class ServiceIndex {
  readonly #byName = new Map<string, Service>();

  constructor(services: readonly Service[]) {
    for (const s of services) this.#byName.set(`${s.namespace}/${s.name}`, s);
  }

  get(namespace: string, name: string): Service | undefined {
    return this.#byName.get(`${namespace}/${name}`);
  }

  all(): IterableIterator<Service> {
    return this.#byName.values();
  }
}

export function isRoute(doc: PolicyDocument): doc is RouteDocument {
  return doc.kind === 'HTTPRoute' || doc.kind === 'GRPCRoute';
}

/** Whether a parentRef or backendRef names a core Service (`kind: Service`, group `''` or `core`). */
export function isServiceKind(
  ref: { group?: string | undefined; kind?: string | undefined },
  defaultKind: string,
) {
  const kind = ref.kind ?? defaultKind;
  const group = ref.group ?? '';
  return kind === 'Service' && (group === '' || group === 'core');
}

/** Whether a parentRef names a Server (`policy.linkerd.io` or `policy.weft.dev`): a route for per-route authorization. */
export function isServerParent(ref: { group?: string | undefined; kind?: string | undefined }): boolean {
  return (
    ref.kind === 'Server' &&
    (ref.group === undefined || ref.group === LINKERD_POLICY_GROUP || ref.group === WEFT_POLICY_GROUP)
  );
}

/** Whether a route attaches to the Server `namespace/name`. */
export function attachesToServer(route: RouteDocument, namespace: string, name: string): boolean {
  return route.spec.parentRefs.some(
    (p) => isServerParent(p) && p.name === name && (p.namespace ?? route.metadata.namespace) === namespace,
  );
}

/** Whether a parentRef selects a Service port: by `port`, by `sectionName` (the port's name), or every port. */
export function parentSelects(parent: ParentRef, port: Service['ports'][number]): boolean {
  if (parent.port !== undefined && parent.port !== port.port) return false;
  return parent.sectionName === undefined || parent.sectionName === port.name;
}

/** The Service ports a route attaches to (each once), ignoring parentRefs that do not resolve. */
export function attachedPorts(route: RouteDocument, services: ServiceIndex): Set<string> {
  const out = new Set<string>();
  for (const parent of route.spec.parentRefs) {
    if (!isServiceKind(parent, 'Gateway')) continue;
    const svc = services.get(parent.namespace ?? route.metadata.namespace, parent.name);
    if (!svc) continue;
    for (const p of svc.ports)
      if (parentSelects(parent, p)) out.add(servicePortKey(svc.namespace, svc.name, p.port));
  }
  return out;
}

function httpMatches(rule: HTTPRouteRule): RouteMatchPlan[] {
  const matches = rule.matches?.length ? rule.matches : [{}];
  return matches.map((m) => ({
    path: m.path ?? { type: 'PathPrefix', value: '/' },
    ...(m.method ? { method: m.method } : {}),
    headers: (m.headers ?? []).map((h) => ({ name: h.name.toLowerCase(), type: h.type, value: h.value })),
    queryParams: (m.queryParams ?? []).map((q) => ({ name: q.name, type: q.type, value: q.value })),
  }));
}

function grpcMatches(rule: GRPCRouteRule): RouteMatchPlan[] {
  const matches = rule.matches?.length ? rule.matches : [{}];
  return matches.map((m) => ({
    headers: (m.headers ?? []).map((h) => ({ name: h.name.toLowerCase(), type: h.type, value: h.value })),
    queryParams: [],
    ...(m.method
      ? {
          grpc: {
            type: m.method.type,
            ...(m.method.service ? { service: m.method.service } : {}),
            ...(m.method.method ? { method: m.method.method } : {}),
          },
        }
      : {}),
  }));
}

/** Every (rule, match) of a route; a rule without matches matches every request. */
export function routeEntries(route: RouteDocument): RouteEntry[] {
  const out: RouteEntry[] = [];
  const push = (rule: HTTPRouteRule | GRPCRouteRule, ruleIndex: number, matches: RouteMatchPlan[]) => {
    matches.forEach((match, matchIndex) => {
      out.push({ route, ruleIndex, matchIndex, rule, match });
    });
  };
  if (route.kind === 'HTTPRoute') {
    const rules = route.spec.rules?.length ? route.spec.rules : [{}];
    for (const [i, rule] of rules.entries()) push(rule, i, httpMatches(rule));
  } else {
    const rules = route.spec.rules?.length ? route.spec.rules : [{}];
    for (const [i, rule] of rules.entries()) push(rule, i, grpcMatches(rule));
  }
  return out;
}

/**
 * The route entries attached to each Service port. When any GRPCRoute attaches to a
 * port, only GRPCRoutes are used there (as Linkerd does); otherwise the HTTPRoutes.
 */
export function entriesByPort(
  documents: readonly PolicyDocument[],
  services: ServiceIndex,
): Map<string, RouteEntry[]> {
  const http = new Map<string, RouteEntry[]>();
  const grpc = new Map<string, RouteEntry[]>();
  for (const doc of documents) {
    if (!isRoute(doc)) continue;
    const entries = routeEntries(doc);
    const target = doc.kind === 'GRPCRoute' ? grpc : http;
    for (const port of attachedPorts(doc, services)) {
      const list = target.get(port) ?? [];
      list.push(...entries);
      target.set(port, list);
    }
  }
  for (const [port, list] of grpc) http.set(port, list);
  return http;
}
