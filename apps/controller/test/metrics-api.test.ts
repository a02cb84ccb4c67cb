// metrics.* and topology.* through the real router (createCaller), over the embedded store
// fed with proxy exposition text as the scraper would ingest it.
import { meshIdentity, type Pod, UNKNOWN_SOURCE, type Workload } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { createCaller } from '../src/api/router.ts';
import { type ApiServices, createContext } from '../src/api/trpc.ts';
import { IN_PROCESS_ADMIN } from '../src/auth/caller.ts';
import type { Platform } from '../src/core/platform.ts';
import { parseExposition } from '../src/metrics/exposition.ts';
import { MetricsService } from '../src/metrics/service.ts';
import { INGESTED_NAMES } from '../src/metrics/store.ts';
import { exposition, type FakeCounters } from '../src/metrics/test-util.ts';

function workload(namespace: string, name: string, meshed: boolean): Workload {
  return {
    namespace,
    name,
    kind: 'Deployment',
    labels: {},
    serviceAccount: name,
    replicas: 1,
    readyReplicas: 1,
    meshedReplicas: meshed ? 1 : 0,
    meshed,
    meshState: meshed ? 'meshed' : 'unmeshed',
    createdAt: new Date(0).toISOString(),
  };
}

const WORKLOADS = [
  workload('demo', 'web', true),
  workload('demo', 'api', true),
  workload('data', 'db', true),
  workload('demo', 'loadgen', false),
  workload('demo', 'idle', false),
];

const fakePlatform = {
  kind: 'fake',
  listNamespaces: () => ['data', 'demo'],
  listWorkloads: (ns?: string) => WORKLOADS.filter((w) => ns === undefined || w.namespace === ns),
  listPods: (): Pod[] => [],
  watch: () => () => {},
};

function setup() {
  const metrics = new MetricsService(fakePlatform, {
    scrapeIntervalMs: 5000,
    scrapeTimeoutMs: 1000,
    retentionMs: 3_600_000,
    maxRingBytes: 16 * 1024 * 1024,
  });
  const services = {
    platform: fakePlatform as unknown as Platform,
    destination: undefined as unknown as ApiServices['destination'],
    startedAt: 0,
    version: 'test',
    metrics,
  } satisfies ApiServices;
  return { caller: createCaller(createContext(services, IN_PROCESS_ADMIN)), store: metrics.store };
}

const c = (
  labels: Record<string, string>,
  success: number,
  failure: number,
  lat: number[] = [],
): FakeCounters => ({
  labels,
  success,
  failure,
  latenciesMs: lat,
});

/** Two scrapes 5 s apart: zero, then the given counters, for each proxy. */
function feed(store: MetricsService['store'], proxies: Record<string, FakeCounters[]>) {
  const ingest = (tick: number, zero: boolean) => {
    for (const [pod, counters] of Object.entries(proxies)) {
      const [ns = '', wl = ''] = pod.split('/');
      const text = exposition(
        zero ? counters.map((x) => ({ ...x, success: 0, failure: 0, latenciesMs: [] })) : counters,
      );
      store.ingest(
        pod,
        { namespace: ns, workload: wl, pod: `${wl}-1` },
        tick,
        parseExposition(text, (n) => INGESTED_NAMES.has(n)),
      );
    }
  };
  ingest(store.beginTick(Date.now() - 5000), true);
  ingest(store.beginTick(Date.now()), false);
}

const lat = (n: number, ms: number) => Array<number>(n).fill(ms);

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

describe('topology: one call is one edge', () => {
  const reviews = [
    workload('demo', 'web', true),
    workload('reviews', 'ratings', true),
    workload('demo', 'traffic', true),
    workload('demo', 'pinger', false),
  ];
  const ids = { web: meshIdentity('web', 'demo'), traffic: meshIdentity('traffic', 'demo') };

  /** A router over `workloads` fed with scrapes spaced 5 s apart (cumulative counters per scrape). */
  function feedScrapes(workloads: Workload[], scrapes: Array<Record<string, FakeCounters[]>>) {
    const platform = {
      ...fakePlatform,
      listWorkloads: (ns?: string) => workloads.filter((w) => ns === undefined || w.namespace === ns),
    };
    const metrics = new MetricsService(platform, {
      scrapeIntervalMs: 5000,
      scrapeTimeoutMs: 1000,
      retentionMs: 3_600_000,
      maxRingBytes: 16 * 1024 * 1024,
    });
    const now = Date.now();
    scrapes.forEach((proxies, i) => {
      const tick = metrics.store.beginTick(now - (scrapes.length - 1 - i) * 5000);
      for (const [pod, counters] of Object.entries(proxies)) {
        const [ns = '', wl = ''] = pod.split('/');
        metrics.store.ingest(
          pod,
          { namespace: ns, workload: wl, pod: `${wl}-1` },
          tick,
          parseExposition(exposition(counters), (n) => INGESTED_NAMES.has(n)),
        );
      }
    });
    const services = {
      platform: platform as unknown as Platform,
      destination: undefined as unknown as ApiServices['destination'],
      startedAt: 0,
      version: 'test',
      metrics,
    } satisfies ApiServices;
    return createCaller(createContext(services, IN_PROCESS_ADMIN));
  }
  const names = (
    edges: Array<{
      source: { namespace: string; name: string };
      destination: { namespace: string; name: string };
    }>,
  ) =>
    edges.map(
      (e) => `${e.source.namespace}/${e.source.name}>${e.destination.namespace}/${e.destination.name}`,
    );

  it('merges a gRPC call seen by both sides even when the inbound side has no client identity', async () => {
    // web's outbound says mTLS to ratings; ratings' inbound (HTTP/2) counted the same
    // calls without naming the caller.
    const out = (n: number) =>
      c(
        {
          direction: 'outbound',
          dst_namespace: 'reviews',
          dst_deployment: 'ratings',
          tls: 'true',
          server_id: meshIdentity('ratings', 'reviews'),
        },
        n,
        0,
        lat(n, 4),
      );
    const inb = (n: number) => c({ direction: 'inbound', tls: 'false' }, n, 0, lat(n, 2));
    const caller = feedScrapes(reviews, [
      { 'demo/web': [out(0)], 'reviews/ratings': [inb(0)] },
      { 'demo/web': [out(50)], 'reviews/ratings': [inb(48)] },
    ]);
    const g = await caller.topology.graph({ window: '1m' });
    expect(names(g.edges)).toEqual(['demo/web>reviews/ratings']);
    expect(g.edges[0]).toMatchObject({ secured: true, securedShare: 1, metrics: { requests: 50 } });
    expect(g.nodes.map((n) => n.name)).not.toContain(UNKNOWN_SOURCE);
  });

  it('names the caller by its mTLS identity and keeps one edge with both identities', async () => {
    const out = (n: number) =>
      c(
        {
          direction: 'outbound',
          dst_namespace: 'reviews',
          dst_deployment: 'ratings',
          tls: 'true',
          server_id: meshIdentity('ratings', 'reviews'),
        },
        n,
        0,
        lat(n, 4),
      );
    const inb = (n: number) => c({ direction: 'inbound', tls: 'true', client_id: ids.web }, n, 0, lat(n, 2));
    const caller = feedScrapes(reviews, [
      { 'demo/web': [out(0)], 'reviews/ratings': [inb(0)] },
      { 'demo/web': [out(40)], 'reviews/ratings': [inb(40)] },
    ]);
    const edges = await caller.topology.edges({ namespace: 'reviews', name: 'ratings', window: '1m' });
    expect(edges).toHaveLength(1);
    expect(edges[0]).toMatchObject({
      source: { namespace: 'demo', name: 'web' },
      secured: true,
      securedShare: 1,
      clientIdentity: ids.web,
      serverIdentity: meshIdentity('ratings', 'reviews'),
      sourceUnmeshed: false,
      metrics: { requests: 40 },
    });
  });

  it('keeps an unknown caller only for what no outbound side accounts for', async () => {
    const out = (n: number) =>
      c(
        { direction: 'outbound', dst_namespace: 'reviews', dst_deployment: 'ratings', tls: 'true' },
        n,
        0,
        lat(n, 4),
      );
    const inb = (n: number) => c({ direction: 'inbound', tls: 'false' }, n, 0, lat(n, 2));
    // 30 calls from web, 30 more from a caller without a proxy that nobody names.
    const caller = feedScrapes(reviews, [
      { 'demo/web': [out(0)], 'reviews/ratings': [inb(0)] },
      { 'demo/web': [out(30)], 'reviews/ratings': [inb(60)] },
    ]);
    const g = await caller.topology.graph({ window: '1m' });
    expect(names(g.edges)).toEqual(['demo/web>reviews/ratings', `reviews/${UNKNOWN_SOURCE}>reviews/ratings`]);
    expect(g.edges[1]).toMatchObject({
      secured: false,
      securedShare: 0,
      sourceUnmeshed: true,
      metrics: { requests: 30 },
    });
    expect(g.nodes.find((n) => n.name === UNKNOWN_SOURCE)).toMatchObject({ meshed: false, metrics: null });
  });

  it('gives a caller meshed halfway through the window a partial mTLS share', async () => {
    // traffic → web: 20 plaintext calls before traffic had a proxy (web's inbound names it
    // by src_* labels), then 30 mTLS calls once it had (both sides count them).
    const inPlain = (n: number) =>
      c(
        { direction: 'inbound', tls: 'false', src_namespace: 'demo', src_deployment: 'traffic' },
        n,
        0,
        lat(n, 3),
      );
    const inTls = (n: number) =>
      c({ direction: 'inbound', tls: 'true', client_id: ids.traffic }, n, 0, lat(n, 3));
    const out = (n: number) =>
      c(
        { direction: 'outbound', dst_namespace: 'demo', dst_deployment: 'web', tls: 'true' },
        n,
        0,
        lat(n, 5),
      );
    const caller = feedScrapes(reviews, [
      { 'demo/web': [inPlain(0)] },
      { 'demo/web': [inPlain(20)] },
      { 'demo/web': [inPlain(20), inTls(0)], 'demo/traffic': [out(0)] },
      { 'demo/web': [inPlain(20), inTls(30)], 'demo/traffic': [out(30)] },
    ]);
    const edges = await caller.topology.edges({ namespace: 'demo', name: 'web', window: '1m' });
    expect(names(edges)).toEqual(['demo/traffic>demo/web']);
    expect(edges[0]).toMatchObject({
      secured: false,
      securedShare: 0.6,
      clientIdentity: ids.traffic,
      sourceUnmeshed: false,
      metrics: { requests: 50 },
    });
  });

  it('shows a plaintext caller without a proxy, named by the callee, as unmeshed', async () => {
    const inb = (n: number) =>
      c(
        { direction: 'inbound', tls: 'false', src_namespace: 'demo', src_deployment: 'pinger' },
        n,
        0,
        lat(n, 3),
      );
    const caller = feedScrapes(reviews, [{ 'demo/web': [inb(0)] }, { 'demo/web': [inb(12)] }]);
    const edges = await caller.topology.edges({ namespace: 'demo', name: 'web', window: '1m' });
    expect(edges).toEqual([
      expect.objectContaining({
        source: { namespace: 'demo', name: 'pinger' },
        secured: false,
        securedShare: 0,
        sourceUnmeshed: true,
        clientIdentity: null,
      }),
    ]);
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
