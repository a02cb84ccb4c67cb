// The Prometheus backend against a real Prometheus (Debian's, installed when missing and
// we are root) on loopback, scraping through the file-SD list the controller writes: its
// golden metrics and edges must agree with the embedded store's for the same window.
// The scraped proxies here are admin endpoints serving counters that grow with a known,
// seeded traffic pattern, so both sides read exactly the same numbers.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GoldenMetrics, Pod } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBackend } from '../src/metrics/embedded-backend.ts';
import { writeFileSd } from '../src/metrics/file-sd.ts';
import { PrometheusBackend } from '../src/metrics/prometheus-backend.ts';
import { PrometheusClient } from '../src/metrics/prometheus-client.ts';
import { MetricsQueries } from '../src/metrics/queries.ts';
import { MetricsService } from '../src/metrics/service.ts';
import { exposition, type FakeCounters } from '../src/metrics/test-util.ts';
import { TopologyQueries } from '../src/metrics/topology.ts';
import { meshedWorkload } from './mesh-helpers.ts';
import {
  ensurePrometheus,
  lastScrapeMs,
  type RunningPrometheus,
  sleep,
  startPrometheus,
  waitForScrapes,
  withinOneBucket,
} from './metrics-helpers.ts';

const missing = ensurePrometheus();
if (missing) console.log(`[metrics-prometheus] skipped: ${missing}`);

const INTERVAL_S = 1;

/** A proxy's admin endpoint whose counters the test grows. */
interface FakeProxy {
  pod: Pod;
  counters: FakeCounters[];
  server: Server;
}

let seed = 7;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
}
const LATENCIES = [3, 15, 45, 150, 700];
function latency(): number {
  const r = random();
  return LATENCIES[r < 0.5 ? 0 : r < 0.8 ? 1 : r < 0.93 ? 2 : r < 0.99 ? 3 : 4] ?? 3;
}

async function fakeProxy(
  namespace: string,
  workloadName: string,
  counters: FakeCounters[],
): Promise<FakeProxy> {
  const p: FakeProxy = { counters, server: createServer(), pod: undefined as unknown as Pod };
  p.server.on('request', (_req, res) => res.end(exposition(p.counters)));
  await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', r));
  const port = (p.server.address() as AddressInfo).port;
  p.pod = {
    namespace,
    name: `${workloadName}-1`,
    workload: workloadName,
    ip: '127.0.0.1',
    phase: 'Running',
    ready: true,
    meshed: true,
    restarts: 0,
    lastExit: null,
    proxyAdmin: `127.0.0.1:${port}`,
    startedAt: new Date().toISOString(),
  };
  return p;
}

const c = (labels: Record<string, string>): FakeCounters => ({
  labels,
  success: 0,
  failure: 0,
  latenciesMs: [],
});

/** Adds `n` requests with a failure ratio to the same exchange on both sides. */
function traffic(sides: FakeCounters[], n: number, failureRatio: number) {
  for (let i = 0; i < n; i++) {
    const fail = random() < failureRatio;
    const ms = latency();
    for (const s of sides) {
      if (fail) s.failure++;
      else s.success++;
      s.latenciesMs.push(ms);
    }
  }
}

describe.skipIf(missing !== undefined)('Prometheus backend vs the embedded store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-prom-test-'));
  const fileSd = join(dir, 'targets.json');
  let proxies: FakeProxy[] = [];
  let prom: RunningPrometheus | undefined;
  let service: MetricsService | undefined;

  beforeAll(async () => {
    const webToApi = c({ direction: 'outbound', dst_namespace: 'demo', dst_deployment: 'api', tls: 'true' });
    const webToDb = c({ direction: 'outbound', dst_namespace: 'data', dst_deployment: 'db', tls: 'false' });
    const apiIn = c({
      direction: 'inbound',
      tls: 'true',
      client_id: 'web.demo.serviceaccount.identity.weft.cluster.local',
    });
    const dbIn = c({ direction: 'inbound', tls: 'false', src_namespace: 'demo', src_deployment: 'web' });
    const webIn = c({ direction: 'inbound', tls: 'false' });
    proxies = [
      await fakeProxy('demo', 'web', [webToApi, webToDb, webIn]),
      await fakeProxy('demo', 'api', [apiIn]),
      await fakeProxy('data', 'db', [dbIn]),
    ];
    const pods = proxies.map((p) => p.pod);
    writeFileSd(fileSd, pods);
    const workloads = [
      meshedWorkload('demo', 'web'),
      meshedWorkload('demo', 'api'),
      meshedWorkload('data', 'db'),
    ];
    const platform = {
      listNamespaces: () => ['data', 'demo'],
      listWorkloads: (ns?: string) => workloads.filter((w) => ns === undefined || w.namespace === ns),
      listPods: () => pods,
      watch: () => () => {},
    };
    service = new MetricsService(platform, {
      scrapeIntervalMs: INTERVAL_S * 1000,
      scrapeTimeoutMs: 800,
      retentionMs: 600_000,
      maxRingBytes: 16 * 1024 * 1024,
    });
    prom = await startPrometheus(fileSd, INTERVAL_S);
    service.start();
    await waitForScrapes(prom.url, proxies.length);
    await sleep(1500); // both have a baseline of every series at zero
    // ~10 s of traffic: web→api 20/s with 10% failures, web→db 10/s, unknown→web 5/s.
    for (let i = 0; i < 20; i++) {
      traffic([webToApi, apiIn], 10, 0.1);
      traffic([webToDb, dbIn], 5, 0);
      traffic([webIn], 2 + (i % 2), 0.2);
      await sleep(500);
    }
    await sleep(3000); // both scraped the final counters
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await prom?.stop();
    for (const p of proxies) p.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function expectAgree(
    embedded: GoldenMetrics | null | undefined,
    fromProm: GoldenMetrics | null | undefined,
  ) {
    expect(embedded).toBeTruthy();
    expect(fromProm).toBeTruthy();
    if (!embedded || !fromProm) return;
    // Prometheus' increase() extrapolates to the window's edges: a few percent apart.
    expect(Math.abs(fromProm.requests - embedded.requests)).toBeLessThanOrEqual(0.1 * embedded.requests + 1);
    expect(Math.abs(fromProm.rps - embedded.rps)).toBeLessThanOrEqual(0.1 * embedded.rps + 0.02);
    expect(Math.abs((fromProm.successRate ?? 0) - (embedded.successRate ?? 0))).toBeLessThanOrEqual(0.02);
    expect(withinOneBucket(embedded.latencyP50Ms, fromProm.latencyP50Ms)).toBe(true);
    expect(withinOneBucket(embedded.latencyP95Ms, fromProm.latencyP95Ms)).toBe(true);
    expect(withinOneBucket(embedded.latencyP99Ms, fromProm.latencyP99Ms)).toBe(true);
  }

  it('agrees on every workload golden metrics and on the edges, for the same window', async () => {
    if (!service || !prom) throw new Error('setup failed');
    const embedded = new EmbeddedBackend(service.store);
    const at = await lastScrapeMs(prom.url);
    const promBackend = new PrometheusBackend(new PrometheusClient(prom.url), INTERVAL_S);
    const platform = {
      listNamespaces: () => ['data', 'demo'],
      listWorkloads: () => [],
      listPods: () => [],
    };
    const e = new MetricsQueries(embedded, platform, INTERVAL_S);
    const p = new MetricsQueries(promBackend, platform, INTERVAL_S);
    const [ew, pw] = await Promise.all([e.workloads(undefined, '1m', at), p.workloads(undefined, '1m', at)]);
    expect(ew.map((w) => w.name).sort()).toEqual(['api', 'db', 'web']);
    expect(pw.map((w) => w.name).sort()).toEqual(['api', 'db', 'web']);
    for (const w of ew) expectAgree(w.metrics, pw.find((x) => x.name === w.name)?.metrics);
    // api saw 200 requests with ~10% failures.
    const api = ew.find((w) => w.name === 'api')?.metrics;
    expect(api?.requests).toBe(200);

    const et = await new TopologyQueries(embedded, platform).edges('1m', {}, at);
    const pt = await new TopologyQueries(promBackend, platform).edges('1m', {}, at);
    const shape = (edges: typeof et) =>
      edges.map(
        (x) =>
          `${x.source.namespace}/${x.source.name}>${x.destination.namespace}/${x.destination.name} secured=${x.secured} unmeshed=${x.sourceUnmeshed}`,
      );
    expect(shape(pt)).toEqual(shape(et));
    expect(shape(et)).toEqual([
      'demo/unknown>demo/web secured=false unmeshed=true',
      'demo/web>data/db secured=false unmeshed=false',
      'demo/web>demo/api secured=true unmeshed=false',
    ]);
    for (const edge of et)
      expectAgree(edge.metrics, pt.find((x) => shape([x])[0] === shape([edge])[0])?.metrics);

    // The chart series: both see the traffic in the same place.
    const scope = { kind: 'workload', namespace: 'demo', name: 'api' } as const;
    const [es, ps] = await Promise.all([e.series(scope, '1m', 5, at), p.series(scope, '1m', 5, at)]);
    expect(es).toHaveLength(12);
    expect(ps).toHaveLength(12);
    const total = (s: typeof es) => s.reduce((a, x) => a + x.requests, 0);
    expect(total(es)).toBe(200);
    expect(Math.abs(total(ps) - 200)).toBeLessThanOrEqual(40);
  }, 60_000);
});
