/**
 * Compiles authorization documents into the `authz` part of a workload port's
 * `InboundPolicy`: the Server covering the port (if any) with the AuthorizationPolicies
 * that target it or its Namespace, each turned into one rule (all its authentications
 * must hold), and the HTTPRoutes attached to that Server with the AuthorizationPolicies
 * that target each (per-route authorization); otherwise the default inbound policy of
 * the workload, its namespace or the mesh, in that order.
 */
import {
  type AuthorizationPolicy,
  type AuthorizationRulePlan,
  type AuthzObjectRef,
  type AuthzRoutePlan,
  type DefaultInboundPolicy,
  type InboundAuthzPlan,
  type MeshTLSAuthentication,
  meshIdentity,
  type NetworkAuthentication,
  type PolicyDocument,
  readDefaultInboundPolicy,
  type Server,
  type Service,
  selectorMatches,
  serviceSelects,
  type Workload,
} from '@weft/shared';
import { attachesToServer, isRoute, type RouteDocument, routeEntries } from './attach.ts';
import { sortByPrecedence } from './precedence.ts';

/** Where the local platform's pods live, and the private ranges Linkerd counts as the cluster. */
export const DEFAULT_CLUSTER_NETWORKS: readonly string[] = [
  '127.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '172.16.0.0/12',
  '192.168.0.0/16',
  'fd00::/8',
];

export interface AuthzSettings {
  /** The mesh-wide default for ports no Server covers. */
  defaultPolicy: DefaultInboundPolicy;
  /** The networks `cluster-*` policies accept. */
  clusterNetworks: readonly string[];
}

export const DEFAULT_AUTHZ_SETTINGS: AuthzSettings = {
  defaultPolicy: 'all-unauthenticated',
  clusterNetworks: DEFAULT_CLUSTER_NETWORKS,
};

/** The rules a default policy stands for; `audit` and `deny` have none. */
export function defaultPolicyRules(
  policy: DefaultInboundPolicy,
  settings: AuthzSettings,
): AuthorizationRulePlan[] {
  const cluster = settings.clusterNetworks.map((cidr) => ({ cidr, except: [] }));
  const rule = (identities: string[] | null, networks: typeof cluster | null): AuthorizationRulePlan[] => [
    { kind: 'default', namespace: '', name: policy, identities, networks },
  ];
  switch (policy) {
    case 'all-unauthenticated':
      return rule(null, null);
    case 'all-authenticated':
      return rule(['*'], null);
    case 'cluster-authenticated':
      return rule(['*'], cluster);
    case 'cluster-unauthenticated':
      return rule(null, cluster);
    default:
      return [];
  }
}

export function defaultPolicyPlan(policy: DefaultInboundPolicy, settings: AuthzSettings): InboundAuthzPlan {
  return {
    serverKind: 'default',
    serverName: `default:${policy}`,
    protocol: 'unknown',
    rules: defaultPolicyRules(policy, settings),
    routes: [],
    audit: policy === 'audit',
  };
}

/** The port a Server names on a workload: its number, or the target port of a Service port so named. */
export function serverPort(
  server: Server,
  workload: Workload,
  services: readonly Service[],
): number | undefined {
  const port = server.spec.port;
  if (typeof port === 'number') return port;
  for (const s of services) {
    if (s.namespace !== workload.namespace || !serviceSelects(s.selector, workload.labels)) continue;
    const p = s.ports.find((sp) => sp.name === port);
    if (p) return p.targetPort;
  }
  return undefined;
}

function refNamespace(ref: AuthzObjectRef, doc: PolicyDocument): string {
  return ref.namespace ?? doc.metadata.namespace;
}

/** Finds a document by kind, namespace and name. */
export function findDocument<K extends PolicyDocument['kind']>(
  documents: readonly PolicyDocument[],
  kind: K,
  namespace: string,
  name: string,
): Extract<PolicyDocument, { kind: K }> | undefined {
  return documents.find(
    (d): d is Extract<PolicyDocument, { kind: K }> =>
      d.kind === kind && d.metadata.namespace === namespace && d.metadata.name === name,
  );
}

/** One AuthorizationPolicy as a rule: null when a reference it needs is missing (it then allows nothing). */
export function authorizationRule(
  policy: AuthorizationPolicy,
  documents: readonly PolicyDocument[],
): AuthorizationRulePlan | null {
  let identities: string[] | null = null;
  let networks: AuthorizationRulePlan['networks'] = null;
  for (const ref of policy.spec.requiredAuthenticationRefs) {
    const ns = refNamespace(ref, policy);
    if (ref.kind === 'ServiceAccount') {
      identities = intersect(identities, [meshIdentity(ref.name, ns)]);
    } else if (ref.kind === 'MeshTLSAuthentication') {
      const m = findDocument(documents, 'MeshTLSAuthentication', ns, ref.name);
      if (!m) return null;
      identities = intersect(identities, meshTLSIdentities(m));
    } else if (ref.kind === 'NetworkAuthentication') {
      const n = findDocument(documents, 'NetworkAuthentication', ns, ref.name);
      if (!n) return null;
      const these = networkPlans(n);
      networks = networks === null ? these : networks.filter((a) => these.some((b) => b.cidr === a.cidr));
    } else return null;
  }
  return {
    kind: 'AuthorizationPolicy',
    namespace: policy.metadata.namespace,
    name: policy.metadata.name,
    identities,
    networks,
  };
}

/** Two identity lists that must both hold: kept exact when one is `*`, else the common entries. */
function intersect(a: string[] | null, b: string[]): string[] {
  if (a === null || a.includes('*')) return b;
  if (b.includes('*')) return a;
  return a.filter((x) => b.includes(x));
}

export function meshTLSIdentities(m: MeshTLSAuthentication): string[] {
  const out = [...(m.spec.identities ?? [])];
  for (const ref of m.spec.identityRefs ?? []) {
    const ns = ref.namespace ?? m.metadata.namespace;
    if (ref.kind === 'ServiceAccount') out.push(meshIdentity(ref.name, ns));
    else if (ref.kind === 'Namespace') out.push(`*.${ref.name}.serviceaccount.identity.weft.cluster.local`);
  }
  return out;
}

function networkPlans(n: NetworkAuthentication): NonNullable<AuthorizationRulePlan['networks']> {
  return n.spec.networks.map((x) => ({ cidr: x.cidr, except: x.except ?? [] }));
}

/** Whether an AuthorizationPolicy's target is this Server (directly, or its Namespace). */
function targets(policy: AuthorizationPolicy, server: Server): boolean {
  const t = policy.spec.targetRef;
  if (t.kind === 'Server')
    return refNamespace(t, policy) === server.metadata.namespace && t.name === server.metadata.name;
  if (t.kind === 'Namespace') return t.name === server.metadata.namespace;
  return false;
}

/** Compiles authorization for any workload port, given the live documents and the platform. */
export class AuthzCompiler {
  readonly #documents: readonly PolicyDocument[];
  readonly #services: readonly Service[];
  readonly #settings: AuthzSettings;
  readonly #servers: Server[];

  constructor(documents: readonly PolicyDocument[], services: readonly Service[], settings: AuthzSettings) {
    this.#documents = documents;
    this.#services = services;
    this.#settings = settings;
    this.#servers = documents
      .filter((d): d is Server => d.kind === 'Server')
      .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
  }

  /** The first Server (oldest) that covers this workload port. */
  serverFor(workload: Workload, port: number): Server | undefined {
    return this.#servers.find(
      (s) =>
        s.metadata.namespace === workload.namespace &&
        selectorMatches(s.spec.podSelector, workload.labels) &&
        serverPort(s, workload, this.#services) === port,
    );
  }

  /** The default inbound policy of a workload: its annotation, its namespace's, or the mesh's. */
  defaultPolicy(namespace: string, workload: string): DefaultInboundPolicy {
    for (const doc of [
      findDocument(this.#documents, 'Deployment', namespace, workload),
      this.#documents.find((d) => d.kind === 'Namespace' && d.metadata.name === namespace),
    ]) {
      const value = readDefaultInboundPolicy(doc?.metadata.annotations);
      if (typeof value === 'string') return value;
    }
    return this.#settings.defaultPolicy;
  }

  plan(workload: Workload | undefined, namespace: string, name: string, port: number): InboundAuthzPlan {
    const server = workload ? this.serverFor(workload, port) : undefined;
    if (!server) return defaultPolicyPlan(this.defaultPolicy(namespace, name), this.#settings);
    const rules: AuthorizationRulePlan[] = [];
    for (const d of this.#documents) {
      if (d.kind !== 'AuthorizationPolicy' || !targets(d, server)) continue;
      const rule = authorizationRule(d, this.#documents);
      if (rule) rules.push(rule);
    }
    const access = server.spec.accessPolicy;
    rules.push(...defaultPolicyRules(access, this.#settings));
    return {
      serverKind: 'server',
      serverName: server.metadata.name,
      protocol: server.spec.proxyProtocol,
      rules,
      routes: this.routes(server, rules),
      audit: access === 'audit',
    };
  }

  /**
   * The routes attached to a Server, one entry per match in precedence order, each with
   * the AuthorizationPolicies that target it and then the Server's own rules. GRPCRoutes
   * replace HTTPRoutes on a Server when any attaches (as for Service ports).
   */
  routes(server: Server, serverRules: readonly AuthorizationRulePlan[]): AuthzRoutePlan[] {
    const { namespace, name } = server.metadata;
    const attached = this.#documents.filter(
      (d): d is RouteDocument => isRoute(d) && attachesToServer(d, namespace, name),
    );
    const grpc = attached.some((r) => r.kind === 'GRPCRoute');
    const entries = sortByPrecedence(
      attached.filter((r) => (r.kind === 'GRPCRoute') === grpc).flatMap((r) => routeEntries(r)),
    );
    const byRoute = new Map<RouteDocument, AuthorizationRulePlan[]>();
    return entries.map((e) => {
      let rules = byRoute.get(e.route);
      if (rules === undefined) {
        rules = [...this.#routeRules(e.route), ...serverRules];
        byRoute.set(e.route, rules);
      }
      return {
        namespace: e.route.metadata.namespace,
        name: e.route.metadata.name,
        matches: [e.match],
        rules,
      };
    });
  }

  #routeRules(route: RouteDocument): AuthorizationRulePlan[] {
    const out: AuthorizationRulePlan[] = [];
    for (const d of this.#documents) {
      if (d.kind !== 'AuthorizationPolicy') continue;
      const t = d.spec.targetRef;
      if (t.kind !== route.kind || t.name !== route.metadata.name) continue;
      if (refNamespace(t, d) !== route.metadata.namespace) continue;
      const rule = authorizationRule(d, this.#documents);
      if (rule) out.push(rule);
    }
    return out;
  }
}
