import { describe, expect, it } from 'vitest';
import { EmbeddedBackend } from './embedded-backend.ts';
import { parseExposition } from './exposition.ts';
import { ROUTE_INGESTED_NAMES, ROUTE_SCHEMA, ROUTE_WIDTH, type RouteGroupLabels } from './route-labels.ts';
import { INGESTED_NAMES, MetricsStore, type StoreLabels } from './store.ts';
import { exposition, type FakeRouteCounters, routeExposition } from './test-util.ts';

const parent = (name: string) => ({
  parent_group: 'core',
  parent_kind: 'Service',
  parent_namespace: 'demo',
  parent_name: name,
  parent_port: '8080',
});
const split = {
  ...parent('catalog'),
  route_group: 'gateway.networking.k8s.io',
  route_kind: 'HTTPRoute',
  route_namespace: 'demo',
  route_name: 'catalog-split',
  route_rule: '0',
};
const backendOf = (name: string) => ({
  ...split,
  backend_group: 'core',
  backend_kind: 'Service',
  backend_namespace: 'demo',
  backend_name: name,
  backend_port: '8080',
});

/** The route's counters after `n` rounds of traffic: 10 × 200, 1 × 503, 1 timeout, 2 × 404 each. */
function splitRoute(n: number): FakeRouteCounters {
  return {
    protocol: 'http',
    labels: split,
    statuses: [
      { labels: { http_status: '200' }, n: 10 * n },
      { labels: { http_status: '503' }, n },
      { labels: { error: 'REQUEST_TIMEOUT' }, n },
      { labels: { http_status: '404' }, n: 2 * n },
    ],
    durationsS: Array.from({ length: 14 * n }, (_, i) => (i % 14 === 13 ? 2 : 0.03)),
  };
}

function backend(name: string, ok: number, failed: number, s: number): FakeRouteCounters {
  return {
    protocol: 'http',
    labels: backendOf(name),
    statuses: [
      { labels: { http_status: '200' }, n: ok },
      { labels: { http_status: '500' }, n: failed },
    ],
    durationsS: Array.from({ length: ok + failed }, () => s),
  };
}

const routeStore = (maxGroups = 100) =>
  new MetricsStore<RouteGroupLabels>({ capacity: 100, maxGroups, schema: ROUTE_SCHEMA });

/** One scrape round at `t` seconds: each pod's text into both stores, as the scraper does. */
function round(stores: readonly MetricsStore<StoreLabels>[], t: number, texts: Record<string, string>) {
  const ticks = stores.map((s) => s.beginTick(t * 1000));
  for (const [pod, text] of Object.entries(texts)) {
    const samples = parseExposition(text, (n) => ROUTE_INGESTED_NAMES.has(n) || INGESTED_NAMES.has(n));
    for (let i = 0; i < stores.length; i++)
      stores[i]?.ingest(pod, { namespace: 'demo', workload: 'web', pod }, ticks[i] ?? 0, samples);
  }
}

const query = { parent: { namespace: 'demo', name: 'catalog' }, seconds: 60, trendPoints: 6 };

describe('per-route metrics in the embedded store', () => {
  it('sums every caller per route and backend, classifying 5xx and errors as failures', async () => {
    const golden = new MetricsStore({ capacity: 100, maxGroups: 100 });
    const routes = routeStore();
    const stores = [golden, routes];
    const other = { ...splitRoute(1), labels: { ...split, ...parent('inventory') } };
    const text = (n: number) =>
      routeExposition(
        [splitRoute(n), other],
        [backend('catalog', 9 * n, 0, 0.02), backend('catalog-v2', 3 * n, 2 * n, 0.2)],
      ) + exposition([]);
    round(stores, 0, { 'web-1': text(0), 'web-2': text(0) }); // baselines
    round(stores, 10, { 'web-1': text(1), 'web-2': text(2) });
    round(stores, 20, { 'web-1': text(3), 'web-2': text(2) });

    const rows = await new EmbeddedBackend(golden, routes).routes(query);
    expect(rows).toHaveLength(1); // inventory's route is not catalog's
    const row = rows[0];
    expect(row?.route).toEqual({
      parentPort: 8080,
      kind: 'HTTPRoute',
      namespace: 'demo',
      name: 'catalog-split',
      rule: 0,
    });
    // 5 rounds' worth of traffic (3 from web-1, 2 from web-2): 14 responses each, 2 failed.
    expect(row?.metrics).toMatchObject({ requests: 70, failures: 10 });
    expect(row?.metrics.successRate).toBeCloseTo(60 / 70, 10);
    expect(row?.metrics.rps).toBeCloseTo(70 / 60, 10);
    // 65 of 70 took 30 ms: p50 within the first route bucket (≤ 50 ms); the 2 s ones make p99 > 1 s.
    expect(row?.metrics.latencyP50Ms).toBeLessThanOrEqual(50);
    expect(row?.metrics.latencyP99Ms).toBeGreaterThan(1000);
    expect(row?.backends.map((b) => [b.backend.name, b.metrics.requests, b.metrics.failures])).toEqual([
      ['catalog', 45, 0],
      ['catalog-v2', 25, 10],
    ]);
    // Backend latency in the finer response buckets: 200 ms is in (100, 250].
    const v2 = row?.backends[1]?.metrics;
    expect(v2?.latencyP50Ms).toBeGreaterThan(100);
    expect(v2?.latencyP50Ms).toBeLessThanOrEqual(250);
    // The trend: 6 steps of 10 s; the two rounds fall in the last two steps.
    expect(row?.rpsTrend).toEqual([0, 0, 0, 0, 42 / 10, 28 / 10]);
    // Nothing of it reached the golden store, which holds no group at all.
    expect(golden.groupCount).toBe(0);
  });

  it('classifies gRPC routes by grpc_status', async () => {
    const routes = routeStore();
    const grpc = (n: number): FakeRouteCounters => ({
      protocol: 'grpc',
      labels: { ...split, route_kind: 'GRPCRoute', route_name: 'catalog-grpc' },
      statuses: [
        { labels: { grpc_status: 'OK' }, n: 3 * n },
        { labels: { grpc_status: 'UNAVAILABLE' }, n },
      ],
      durationsS: [],
    });
    round([routes], 0, { 'web-1': routeExposition([grpc(0)], []) });
    round([routes], 5, { 'web-1': routeExposition([grpc(5)], []) });
    const rows = await new EmbeddedBackend(new MetricsStore({ capacity: 2, maxGroups: 1 }), routes).routes(
      query,
    );
    expect(rows.map((r) => [r.route.kind, r.metrics.requests, r.metrics.failures])).toEqual([
      ['GRPCRoute', 20, 5],
    ]);
    expect(rows[0]?.metrics.latencyP50Ms).toBeNull();
  });

  it('counts a restarted proxy from zero and keeps its groups within the bound', async () => {
    const routes = routeStore(2);
    const stores = [routes];
    const text = (n: number, ...names: string[]) =>
      routeExposition(
        [splitRoute(n)],
        names.map((b) => backend(b, n, 0, 0.02)),
      );
    round(stores, 0, { 'web-1': text(2, 'catalog') });
    round(stores, 10, { 'web-1': text(4, 'catalog') });
    round(stores, 20, { 'web-1': text(1, 'catalog') }); // restarted: 1 round since
    let rows = await new EmbeddedBackend(new MetricsStore({ capacity: 2, maxGroups: 1 }), routes).routes(
      query,
    );
    expect(rows[0]?.metrics.requests).toBe(14 * 3);
    // Two groups (the route, one backend) fill the bound: a third backend is dropped and counted.
    round(stores, 30, { 'web-1': text(2, 'catalog', 'catalog-v2') });
    expect(routes.groupCount).toBe(2);
    expect(routes.droppedSamples).toBeGreaterThan(0);
    expect(routes.ringBytes).toBeLessThanOrEqual(2 * 100 * ROUTE_WIDTH * 4 + 100 * 8);
    rows = await new EmbeddedBackend(new MetricsStore({ capacity: 2, maxGroups: 1 }), routes).routes(query);
    expect(rows[0]?.backends.map((b) => b.backend.name)).toEqual(['catalog']);
  });

  it('answers nothing before the first scrape, or without a route store', async () => {
    expect(
      await new EmbeddedBackend(new MetricsStore({ capacity: 2, maxGroups: 1 }), routeStore()).routes(query),
    ).toEqual([]);
    expect(await new EmbeddedBackend(new MetricsStore({ capacity: 2, maxGroups: 1 })).routes(query)).toEqual(
      [],
    );
  });
});
