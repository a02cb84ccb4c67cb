// metrics.* and topology.* through the real router (createCaller), over the embedded store
// fed with proxy exposition text as the scraper would ingest it.
import { meshIdentity, UNKNOWN_SOURCE } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import type { MetricsService } from '../src/metrics/service.ts';
import {
  c,
  type FakeCounters,
  ingestScrape,
  lat,
  platformOf,
  routerOver,
  workload,
} from './metrics-api-fixtures.ts';

const WORKLOADS = [
  workload('demo', 'web', true),
  workload('demo', 'api', true),
  workload('data', 'db', true),
  workload('demo', 'loadgen', false),
  workload('demo', 'idle', false),
];

const setup = () => routerOver(platformOf(WORKLOADS));

/** Two scrapes 5 s apart: zero, then the given counters, for each proxy. */
function feed(store: MetricsService['store'], proxies: Record<string, FakeCounters[]>) {
  const zeroed = Object.fromEntries(
    Object.entries(proxies).map(([pod, counters]) => [
      pod,
      counters.map((x) => ({ ...x, success: 0, failure: 0, latenciesMs: [] })),
    ]),
  );
  ingestScrape(store, store.beginTick(Date.now() - 5000), zeroed);
  ingestScrape(store, store.beginTick(Date.now()), proxies);
}

function mesh() {
  const { caller, store } = setup();
  feed(store, {
    'demo/web': [
      // web → api, mTLS; web → db across namespaces, plaintext
      c(
        {
          direction: 'outbound',
          dst_namespace: 'demo',
          dst_deployment: 'api',
          tls: 'true',
          server_id: 'api.demo.serviceaccount.identity.weft.cluster.local',
        },
        90,
        10,
        lat(100, 15),
      ),
      c(
        { direction: 'outbound', dst_namespace: 'data', dst_deployment: 'db', tls: 'false' },
        30,
        0,
        lat(30, 3),
      ),
      // web's own inbound: from the unmeshed loadgen (known by name) and from an unknown caller
      c(
        { direction: 'inbound', tls: 'false', src_namespace: 'demo', src_deployment: 'loadgen' },
        60,
        0,
        lat(60, 40),
      ),
      c({ direction: 'inbound', tls: 'false' }, 6, 0, lat(6, 40)),
    ],
    'demo/api': [
      c({ direction: 'inbound', tls: 'true', client_id: meshIdentity('web', 'demo') }, 90, 10, lat(100, 12)),
    ],
    'data/db': [
      c(
        { direction: 'inbound', tls: 'false', src_namespace: 'demo', src_deployment: 'web' },
        30,
        0,
        lat(30, 2),
      ),
    ],
  });
  return caller;
}

describe('metrics.* over the embedded store', () => {
  it('gives each workload its inbound golden metrics, zero traffic for the idle ones', async () => {
    const rows = await mesh().metrics.workloads({ window: '1m' });
    const api = rows.find((r) => r.name === 'api');
    expect(api?.metrics).toMatchObject({ requests: 100, failures: 10, successRate: 0.9 });
    expect(api?.metrics.rps).toBeCloseTo(100 / 60, 10);
    // 100 requests all at 12 ms: every quantile lies in (10, 20].
    expect(api?.metrics.latencyP50Ms).toBeGreaterThan(10);
    expect(api?.metrics.latencyP99Ms).toBeLessThanOrEqual(20);
    expect(rows.find((r) => r.name === 'idle')?.metrics).toMatchObject({
      requests: 0,
      successRate: null,
      rps: 0,
    });
    expect(rows.map((r) => `${r.namespace}/${r.name}`)).toEqual([
      'data/db',
      'demo/api',
      'demo/idle',
      'demo/loadgen',
      'demo/web',
    ]);
  });

  it('sums namespaces, answers one scope, and charts it', async () => {
    const caller = mesh();
    const ns = await caller.metrics.namespaces({ window: '5m' });
    expect(ns.find((n) => n.namespace === 'demo')?.metrics.requests).toBe(100 + 66);
    expect(ns.find((n) => n.namespace === 'data')?.metrics.requests).toBe(30);
    const web = await caller.metrics.golden({
      scope: { kind: 'workload', namespace: 'demo', name: 'web' },
      window: '1m',
    });
    expect(web.requests).toBe(66);
    const pod = await caller.metrics.golden({
      scope: { kind: 'pod', namespace: 'demo', name: 'web-1' },
      window: '1m',
    });
    expect(pod.requests).toBe(66);
    const series = await caller.metrics.series({
      scope: { kind: 'namespace', namespace: 'demo' },
      window: '1m',
      stepSeconds: 5,
    });
    expect(series).toHaveLength(12);
    expect(series.reduce((a, p) => a + p.requests, 0)).toBe(166);
  });

  it('rejects a bad window or scope with an error naming the field', async () => {
    const caller = mesh();
    await expect(
      caller.metrics.golden({
        scope: { kind: 'workload', namespace: 'demo', name: 'web' },
        window: '2m' as '1m',
      }),
    ).rejects.toThrow(/window/);
    await expect(
      caller.metrics.series({ scope: { kind: 'namespace', namespace: 'Bad_NS' }, window: '1m' }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^invalid input: scope\.namespace: must be lowercase/),
    });
  });
});

describe('topology.* over the embedded store', () => {
  it('draws outbound edges with mTLS state and identities, and unmeshed callers from inbound', async () => {
    const g = await mesh().topology.graph({ window: '1m' });
    const edge = (s: string, d: string) =>
      g.edges.find(
        (e) =>
          `${e.source.namespace}/${e.source.name}` === s &&
          `${e.destination.namespace}/${e.destination.name}` === d,
      );
    expect(edge('demo/web', 'demo/api')).toMatchObject({
      secured: true,
      sourceUnmeshed: false,
      clientIdentity: meshIdentity('web', 'demo'),
      serverIdentity: 'api.demo.serviceaccount.identity.weft.cluster.local',
      securedShare: 1,
      metrics: { requests: 100, failures: 10, successRate: 0.9 },
    });
    expect(edge('demo/web', 'data/db')).toMatchObject({
      secured: false,
      clientIdentity: null,
      metrics: { requests: 30 },
    });
    expect(edge('demo/loadgen', 'demo/web')).toMatchObject({
      sourceUnmeshed: true,
      secured: false,
      metrics: { requests: 60 },
    });
    expect(edge(`demo/${UNKNOWN_SOURCE}`, 'demo/web')).toMatchObject({
      sourceUnmeshed: true,
      metrics: { requests: 6 },
    });
    // db's plaintext inbound from web is web's outbound edge, not a second, unmeshed one.
    expect(g.edges.filter((e) => e.destination.name === 'db')).toHaveLength(1);
    expect(g.edges).toHaveLength(4);

    const node = (n: string) => g.nodes.find((x) => `${x.namespace}/${x.name}` === n);
    expect(node('demo/idle')).toMatchObject({ meshed: false, metrics: null });
    expect(node('demo/loadgen')).toMatchObject({ meshed: false, metrics: null });
    expect(node('demo/api')?.metrics?.requests).toBe(100);
    expect(node(`demo/${UNKNOWN_SOURCE}`)).toMatchObject({ meshed: false, metrics: null });
  });

  it('filters by namespace and by workload', async () => {
    const caller = mesh();
    const data = await caller.topology.graph({ window: '1m', namespace: 'data' });
    expect(data.edges.map((e) => `${e.source.name}>${e.destination.name}`)).toEqual(['web>db']);
    expect(data.nodes.map((n) => n.name).sort()).toEqual(['db', 'web']);
    const api = await caller.topology.edges({ namespace: 'demo', name: 'api', window: '5m' });
    expect(api.map((e) => `${e.source.name}>${e.destination.name}`)).toEqual(['web>api']);
  });
});

describe('metrics.targets', () => {
  it('reports the backend and the store size', async () => {
    const status = await mesh().metrics.targets();
    expect(status.backend).toBe('embedded');
    expect(status.series).toBeGreaterThan(0);
    expect(status.storeBytes).toBeGreaterThan(0);
  });
});
