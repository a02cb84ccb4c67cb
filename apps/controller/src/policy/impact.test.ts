/**
 * The traffic dry run: observed edges judged before and after a change (a deny names
 * demo/catalog → demo/inventory with its rate; an unmeshed caller that would break is
 * called out), and a split change moves each backend's share of the observed rate.
 */
import { rmSync } from 'node:fs';
import { type Edge, meshIdentity, type Workload } from '@weft/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBackend } from '../metrics/embedded-backend.ts';
import { parseExposition } from '../metrics/exposition.ts';
import { ROUTE_INGESTED_NAMES, ROUTE_SCHEMA, type RouteGroupLabels } from '../metrics/route-labels.ts';
import { MetricsStore } from '../metrics/store.ts';
import { routeExposition } from '../metrics/test-util.ts';
import { StateStore } from '../state/store.ts';
import { trafficImpact } from './impact.ts';
import { PolicyService } from './service.ts';
import { demoWorkloads, MemoryPlatform, tempStateDir } from './test-util.ts';

function edge(src: string, dst: string, rps: number, meshed = true): Edge {
  return {
    source: { namespace: 'demo', name: src },
    destination: { namespace: 'demo', name: dst },
    metrics: {
      successRate: 1,
      rps,
      latencyP50Ms: 1,
      latencyP95Ms: 2,
      latencyP99Ms: 3,
      requests: rps * 300,
      failures: 0,
    },
    secured: meshed,
    securedShare: meshed ? 1 : 0,
    clientIdentity: meshed ? meshIdentity(src, 'demo') : null,
    serverIdentity: meshIdentity(dst, 'demo'),
    sourceUnmeshed: !meshed,
  };
}

const DENY_INVENTORY = `
apiVersion: policy.weft.dev/v1alpha1
kind: Server
metadata: { name: inventory-http, namespace: demo }
spec:
  podSelector: { matchLabels: { app: inventory } }
  port: http
`;
const MESH_ONLY_WEB = `
apiVersion: policy.weft.dev/v1alpha1
kind: Server
metadata: { name: web-http, namespace: demo }
spec:
  podSelector: { matchLabels: { app: web } }
  port: http
---
apiVersion: policy.weft.dev/v1alpha1
kind: MeshTLSAuthentication
metadata: { name: any-meshed, namespace: demo }
spec:
  identities: ['*']
---
apiVersion: policy.weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: web-from-mesh, namespace: demo }
spec:
  targetRef: { group: policy.weft.dev, kind: Server, name: web-http }
  requiredAuthenticationRefs: [{ group: policy.weft.dev, kind: MeshTLSAuthentication, name: any-meshed }]
`;
const SPLIT = (v1: number, v2: number) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: split, namespace: demo }
spec:
  parentRefs: [{ name: inventory, kind: Service, port: 8080 }]
  rules:
    - backendRefs: [{ name: inventory, port: 8080, weight: ${v1} }, { name: inventory-v2, port: 8080, weight: ${v2} }]
`;

const dirs: string[] = [];
function open() {
  const dir = tempStateDir();
  dirs.push(dir);
  const platform = new MemoryPlatform();
  platform.workloads.push({
    ...(demoWorkloads()[0] as Workload),
    name: 'traffic',
    labels: { app: 'traffic' },
    meshedReplicas: 0,
  });
  return {
    platform,
    policy: new PolicyService({ platform: platform.asPlatform(), state: new StateStore(dir) }),
  };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const EDGES = [
  edge('traffic', 'web', 10, false),
  edge('web', 'catalog', 10),
  edge('catalog', 'inventory', 8),
];

describe('trafficImpact', () => {
  it('names catalog → inventory, with its rate, as denied by a Server nobody may call', async () => {
    const { policy, platform } = open();
    const seen: number[] = [];
    const impact = await trafficImpact(
      policy,
      platform.asPlatform(),
      async (s) => {
        seen.push(s);
        return EDGES;
      },
      DENY_INVENTORY,
      5,
    );
    expect(seen).toEqual([300]);
    expect(impact).toMatchObject({ valid: true, observed: true, windowMinutes: 5 });
    expect(impact.edges).toHaveLength(3);
    expect(impact.changed).toEqual([
      {
        source: { namespace: 'demo', name: 'catalog', meshed: true },
        destination: { namespace: 'demo', name: 'inventory' },
        port: 8080,
        identity: meshIdentity('catalog', 'demo'),
        rps: 8,
        before: 'allow',
        after: 'deny',
        beforeRule: 'default:all-unauthenticated',
        afterRule: null,
      },
    ]);
    expect(impact.brokenUnmeshed).toEqual([]);
    expect(policy.revision).toBe(0);
  });

  it('calls out an unmeshed caller that a mesh-only policy would break', async () => {
    const { policy, platform } = open();
    const impact = await trafficImpact(policy, platform.asPlatform(), async () => EDGES, MESH_ONLY_WEB, 1);
    expect(impact.brokenUnmeshed.map((e) => `${e.source.name} → ${e.destination.name} ${e.rps}`)).toEqual([
      'traffic → web 10',
    ]);
    expect(impact.changed).toHaveLength(1);
  });

  it('moves the observed rate between backends when a split changes', async () => {
    const { policy, platform } = open();
    const impact = await trafficImpact(policy, platform.asPlatform(), async () => EDGES, SPLIT(75, 25), 5);
    expect(
      impact.backends.map(
        (b) =>
          `${b.route} ${b.backend.name} ${b.percentBefore}→${b.percentAfter} ${b.rpsBefore}→${b.rpsAfter}`,
      ),
    ).toEqual([
      'HTTPRoute demo/split rule 0 inventory 100→75 8→6',
      'HTTPRoute demo/split rule 0 inventory-v2 0→25 0→2',
    ]);
    expect(impact.changed).toEqual([]);
  });

  it('splits a rule’s own observed rate when the Service has several routes', async () => {
    const { policy, platform } = open();
    const TWO_RULES = (v1: number, v2: number) =>
      `${SPLIT(v1, v2).replace(
        '    - backendRefs',
        '    - matches: [{ path: { type: PathPrefix, value: /admin } }]\n      backendRefs: [{ name: inventory, port: 8080 }]\n    - backendRefs',
      )}`;
    expect(policy.apply(TWO_RULES(100, 0)).valid).toBe(true);
    // catalog's proxy counted 40 responses on rule 1 (the split) in 10 s, 10 on rule 0.
    const store = new MetricsStore<RouteGroupLabels>({ capacity: 100, maxGroups: 10, schema: ROUTE_SCHEMA });
    for (const [t, n] of [
      [0, 0],
      [10, 10],
    ] as const) {
      const tick = store.beginTick(Date.now() - 10_000 + t * 1000);
      const rule = (index: number, count: number) => ({
        protocol: 'http' as const,
        labels: {
          parent_namespace: 'demo',
          parent_name: 'inventory',
          parent_port: '8080',
          route_kind: 'HTTPRoute',
          route_namespace: 'demo',
          route_name: 'split',
          route_rule: String(index),
        },
        statuses: [{ labels: { http_status: '200' }, n: count }],
        durationsS: [],
      });
      const text = routeExposition([rule(0, n), rule(1, 4 * n)], []);
      store.ingest(
        'demo/catalog-1',
        { namespace: 'demo', workload: 'catalog', pod: 'catalog-1' },
        tick,
        parseExposition(text, (x) => ROUTE_INGESTED_NAMES.has(x)),
      );
    }
    const backend = new EmbeddedBackend(new MetricsStore({ capacity: 2, maxGroups: 1 }), store);
    const asked: string[] = [];
    const readRoutes = async (namespace: string, service: string, seconds: number) => {
      asked.push(`${namespace}/${service}`);
      // The window holds both rounds: 40 responses of rule 1 over 10 s.
      return backend.routes({
        parent: { namespace, name: service },
        seconds: Math.min(seconds, 10),
        trendPoints: 1,
      });
    };
    const impact = await trafficImpact(
      policy,
      platform.asPlatform(),
      async () => EDGES,
      TWO_RULES(75, 25),
      5,
      readRoutes,
    );
    expect(
      impact.backends.map(
        (b) =>
          `${b.route} ${b.backend.name} ${b.percentBefore}→${b.percentAfter} ${b.rpsBefore}→${b.rpsAfter}`,
      ),
    ).toEqual([
      'HTTPRoute demo/split rule 1 inventory 100→75 4→3',
      'HTTPRoute demo/split rule 1 inventory-v2 0→25 0→1',
    ]);
    expect(asked).toEqual(['demo/inventory']);
    // Without per-route metrics the rates stay unknown.
    const blind = await trafficImpact(policy, platform.asPlatform(), async () => EDGES, TWO_RULES(75, 25), 5);
    expect(blind.backends.map((b) => b.rpsBefore)).toEqual([null, null]);
  });

  it('reports problems as a dry-run apply does, without reading traffic', async () => {
    const { policy, platform } = open();
    let read = false;
    const readEdges = async () => {
      read = true;
      return EDGES;
    };
    const missing = SPLIT(90, 10).replace('name: inventory-v2', 'name: inventory-v9');
    const impact = await trafficImpact(policy, platform.asPlatform(), readEdges, missing, 5);
    expect(impact.valid).toBe(false);
    expect(impact.errors).toEqual(policy.apply(missing, { dryRun: true }).errors);
    expect(impact.errors[0]?.reason).toBe('BackendNotFound');
    // A document that does not parse is refused outright, as applyYaml refuses it.
    await expect(trafficImpact(policy, platform.asPlatform(), readEdges, SPLIT(-1, 10), 5)).rejects.toThrow(
      /spec.rules\[0\].backendRefs\[0\].weight/,
    );
    expect(read).toBe(false);
  });
});
