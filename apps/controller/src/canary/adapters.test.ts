/**
 * The canary's real ports: its weights become HTTPRoute revisions authored
 * `canary:<id>` (a new route, or the one already attached to the Service with its matches
 * kept), bad names are refused before anything is applied, and the canary backend is
 * measured alone: on the canary's route as callers counted it, else from its own
 * workloads' inbound metrics.
 */
import { rmSync } from 'node:fs';
import { type Canary, CanaryStartInput, type GoldenMetrics, type HTTPRoute } from '@weft/shared';
import { afterEach, describe, expect, it } from 'vitest';
import type { GoldenQuery, GoldenRow, MetricsBackend } from '../metrics/backend.ts';
import { EmbeddedBackend } from '../metrics/embedded-backend.ts';
import { parseExposition } from '../metrics/exposition.ts';
import { ROUTE_INGESTED_NAMES, ROUTE_SCHEMA, type RouteGroupLabels } from '../metrics/route-labels.ts';
import { INGESTED_NAMES, MetricsStore } from '../metrics/store.ts';
import { exposition, type FakeRouteCounters, routeExposition } from '../metrics/test-util.ts';
import { PolicyService } from '../policy/service.ts';
import { MemoryPlatform, tempStateDir } from '../policy/test-util.ts';
import { StateStore } from '../state/store.ts';
import { backendMetricsReader, policyRouteWriter } from './adapters.ts';

const dirs: string[] = [];
function open() {
  const dir = tempStateDir();
  dirs.push(dir);
  const platform = new MemoryPlatform();
  const policy = new PolicyService({ platform: platform.asPlatform(), state: new StateStore(dir) });
  return { platform, policy, writer: policyRouteWriter(policy, platform.asPlatform()) };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const input = (over: Partial<CanaryStartInput> = {}) =>
  CanaryStartInput.parse({
    namespace: 'demo',
    service: 'inventory',
    port: 8080,
    stable: 'inventory',
    canary: 'inventory-v2',
    steps: [10, 100],
    holdSeconds: 10,
    gates: { minSuccessRate: 0.9, maxP99Ms: 100 },
    ...over,
  });

function canaryOf(route: string, existed: boolean): Canary {
  const i = input();
  return {
    ...i,
    id: 'k1',
    route,
    routeExisted: existed,
    phase: 'running',
    stepIndex: -1,
    weight: 0,
    holdStartedAt: null,
    author: 'alice',
    createdAt: '',
    updatedAt: '',
    events: [],
  };
}

const weightsOf = (policy: PolicyService, name: string) => {
  const doc = policy.list('demo').find((i) => i.document.metadata.name === name)?.document as HTTPRoute;
  return doc.spec.rules?.map((r) => r.backendRefs?.map((b) => `${b.name}=${b.weight}`).join(' '));
};

describe('policyRouteWriter', () => {
  it('makes <service>-canary when no route attaches, and writes each weight as a revision by canary:<id>', () => {
    const { policy, writer } = open();
    expect(writer.resolveRoute(input())).toEqual({ route: 'inventory-canary', existed: false });
    const c = canaryOf('inventory-canary', false);
    expect(writer.setWeight(c, 10)).toBe(1);
    expect(weightsOf(policy, 'inventory-canary')).toEqual(['inventory=90 inventory-v2=10']);
    expect(writer.setWeight(c, 0)).toBe(2);
    expect(weightsOf(policy, 'inventory-canary')).toEqual(['inventory=100 inventory-v2=0']);
    expect(policy.revisions().map((r) => r.author)).toEqual(['canary:k1', 'canary:k1']);
  });

  it('takes the route already attached to the Service, keeping its matches', () => {
    const { policy, writer } = open();
    policy.apply(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: inventory-split, namespace: demo }
spec:
  parentRefs: [{ group: core, kind: Service, name: inventory, port: 8080 }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /stock } }]
      backendRefs: [{ name: inventory, port: 8080 }]
`);
    expect(writer.resolveRoute(input())).toEqual({ route: 'inventory-split', existed: true });
    writer.setWeight(canaryOf('inventory-split', true), 25);
    const doc = policy.list('demo')[0]?.document as HTTPRoute;
    expect(doc.spec.rules?.[0]?.matches).toEqual([{ path: { type: 'PathPrefix', value: '/stock' } }]);
    expect(weightsOf(policy, 'inventory-split')).toEqual(['inventory=75 inventory-v2=25']);
  });

  it('refuses a Service that does not exist or lacks the port, naming the field', () => {
    const { writer, policy } = open();
    expect(() => writer.resolveRoute(input({ canary: 'inventory-v9' }))).toThrow(
      'canary: Service demo/inventory-v9 not found',
    );
    expect(() => writer.resolveRoute(input({ port: 9090 }))).toThrow(
      'service: Service demo/inventory has no port 9090',
    );
    expect(policy.revision).toBe(0);
  });
});

describe('backendMetricsReader', () => {
  it('measures the canary Service’s own workloads on the inbound side', async () => {
    const golden = (requests: number, failures: number, p99: number): GoldenMetrics => ({
      successRate: (requests - failures) / requests,
      rps: requests / 10,
      latencyP50Ms: 1,
      latencyP95Ms: 2,
      latencyP99Ms: p99,
      requests,
      failures,
    });
    const asked: GoldenQuery[] = [];
    const backend: MetricsBackend = {
      kind: 'embedded',
      async golden(q): Promise<GoldenRow[]> {
        asked.push(q);
        return [
          { labels: { deployment: 'inventory' }, metrics: golden(1000, 10, 5) },
          { labels: { deployment: 'inventory-v2' }, metrics: golden(100, 40, 80) },
        ];
      },
      async series() {
        return [];
      },
      async routes() {
        return [];
      },
    };
    const { platform } = open();
    const m = await backendMetricsReader(backend, platform.asPlatform()).measure('demo', 'inventory-v2', 10);
    expect(m).toEqual({ successRate: 0.6, p99Ms: 80, requests: 100, rps: 10 });
    expect(asked[0]).toMatchObject({ direction: 'inbound', seconds: 10, by: ['deployment'] });
  });
});

describe('backendMetricsReader on the canary route', () => {
  const route = (name: string, backend: string, ok: number, refused: number): FakeRouteCounters => ({
    protocol: 'http',
    labels: {
      parent_namespace: 'demo',
      parent_name: 'inventory',
      parent_port: '8080',
      route_kind: 'HTTPRoute',
      route_namespace: 'demo',
      route_name: name,
      route_rule: '0',
      backend_namespace: 'demo',
      backend_name: backend,
      backend_port: '8080',
    },
    statuses: [
      { labels: { http_status: '200' }, n: ok },
      { labels: { error: 'IO' }, n: refused },
    ],
    durationsS: Array.from({ length: ok + refused }, () => 0.2),
  });
  /** catalog's proxy: what the route sent each backend; inventory-v2's: what reached it. */
  function stores(v2Ok: number, v2Refused: number) {
    const golden = new MetricsStore({ capacity: 10, maxGroups: 10 });
    const routes = new MetricsStore<RouteGroupLabels>({ capacity: 10, maxGroups: 10, schema: ROUTE_SCHEMA });
    for (const [t, k] of [
      [0, 0],
      [10, 1],
    ] as const) {
      const tg = golden.beginTick(t * 1000);
      const tr = routes.beginTick(t * 1000);
      const callers = routeExposition(
        [],
        [
          route('inventory-split', 'inventory', 90 * k, 0),
          route('inventory-split', 'inventory-v2', v2Ok * k, v2Refused * k),
        ],
      );
      routes.ingest(
        'demo/catalog-1',
        { namespace: 'demo', workload: 'catalog', pod: 'catalog-1' },
        tr,
        parseExposition(callers, (n) => ROUTE_INGESTED_NAMES.has(n)),
      );
      // Only the requests that got through reached the canary's own proxy, in 40 ms.
      const own = exposition([
        {
          labels: { direction: 'inbound' },
          success: v2Ok * k,
          failure: 0,
          latenciesMs: Array.from({ length: v2Ok * k }, () => 40),
        },
      ]);
      golden.ingest(
        'demo/inventory-v2-1',
        { namespace: 'demo', workload: 'inventory-v2', pod: 'inventory-v2-1' },
        tg,
        parseExposition(own, (n) => INGESTED_NAMES.has(n)),
      );
    }
    return new EmbeddedBackend(golden, routes);
  }

  it('counts the failures only callers saw, with the p99 of the canary’s own proxies', async () => {
    const { platform } = open();
    const reader = backendMetricsReader(stores(6, 4), platform.asPlatform());
    const via = { parent: 'inventory', route: 'inventory-split' };
    const m = await reader.measure('demo', 'inventory-v2', 10, via);
    expect(m).toMatchObject({ successRate: 0.6, requests: 10, rps: 1 });
    expect(m.p99Ms).toBeLessThanOrEqual(40);
    // Without the route, or on a route that never sent it anything: its own inbound side.
    expect(await reader.measure('demo', 'inventory-v2', 10)).toMatchObject({ successRate: 1, requests: 6 });
    expect(
      await reader.measure('demo', 'inventory-v2', 10, { parent: 'inventory', route: 'other' }),
    ).toMatchObject({ successRate: 1, requests: 6 });
  });

  it('takes the route’s p99 when the canary’s proxies counted nothing', async () => {
    const { platform } = open();
    const m = await backendMetricsReader(stores(0, 5), platform.asPlatform()).measure(
      'demo',
      'inventory-v2',
      10,
      {
        parent: 'inventory',
        route: 'inventory-split',
      },
    );
    expect(m).toMatchObject({ successRate: 0, requests: 5 });
    // 200 ms responses: within the route backend bucket (100, 250] ms.
    expect(m.p99Ms).toBeGreaterThan(100);
    expect(m.p99Ms).toBeLessThanOrEqual(250);
  });
});
