// Golden metrics from real proxies: a client sends known traffic (a set failure ratio and
// latencies) through a meshed pair, outbound proxy (demo/web) → inbound proxy (demo/api)
// → app; the controller's scraper reads both proxies' /metrics. Counts, success rate and
// rps must be exact, percentiles within one bucket of what the client measured; then the
// inbound proxy restarts mid-window and no rate goes negative or jumps.

import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBackend } from '../src/metrics/embedded-backend.ts';
import { PrometheusBackend } from '../src/metrics/prometheus-backend.ts';
import { PrometheusClient } from '../src/metrics/prometheus-client.ts';
import { MetricsQueries } from '../src/metrics/queries.ts';
import type { MetricsService } from '../src/metrics/service.ts';
import { TopologyQueries } from '../src/metrics/topology.ts';
import { meshedPod, meshedWorkload, scrapingService } from './mesh-helpers.ts';
import {
  bucketIndex,
  demoProxyEnv,
  ensurePrometheus,
  freePort,
  lastScrapeMs,
  prometheusOver,
  type RunningPrometheus,
  type RunningProxy,
  scrapeRounds,
  sleep,
  startProxy,
  withinOneBucket,
} from './metrics-helpers.ts';

const noPrometheus = ensurePrometheus();
if (noPrometheus) console.log(`[metrics-proxies] Prometheus comparison skipped: ${noPrometheus}`);

let app: Server;
let appPort = 0;
let web: RunningProxy | undefined;
let api: RunningProxy | undefined;
let apiEnv: Record<string, string> = {};
let apiConfig: unknown;
let outPort = 0;
let service: MetricsService | undefined;
let prom: RunningPrometheus | undefined;
const promDir = mkdtempSync(join(tmpdir(), 'weft-prom-proxies-'));
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** How long the app took to answer each request (ms): the truth the proxy's histogram is checked against. */
const appLatencies: number[] = [];

/** The app: `/?ms=N&fail=1` answers after N ms, 500 when fail is set. */
function startApp(): Promise<void> {
  app = createServer((req, res) => {
    const started = performance.now();
    const u = new URL(req.url ?? '/', 'http://x');
    const ms = Number(u.searchParams.get('ms') ?? 0);
    setTimeout(() => {
      res.writeHead(u.searchParams.get('fail') ? 500 : 200).end('done');
      appLatencies.push(performance.now() - started);
    }, ms);
  });
  return new Promise((r) =>
    app.listen(0, '127.0.0.1', () => {
      appPort = (app.address() as AddressInfo).port;
      r();
    }),
  );
}

/** One request through web's outbound proxy to api.demo; resolves with status and latency (ms). */
function call(ms: number, fail: boolean): Promise<{ status: number; latencyMs: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: outPort,
        path: `http://api.demo/?ms=${ms}${fail ? '&fail=1' : ''}`,
        headers: { host: 'api.demo' },
        agent,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, latencyMs: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * n requests, 16 at a time: 60% at 120 ms, 30% at 320 ms, 10% at 600 ms (latencies inside
 * wide buckets, so a loaded machine's scheduling delays do not move them across); every
 * 4th fails with a 500.
 */
async function traffic(n: number): Promise<{ statuses: number[]; latencies: number[] }> {
  const statuses: number[] = [];
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const r = i % 10;
      const ms = r < 6 ? 120 : r < 9 ? 320 : 600;
      const res = await call(ms, i % 4 === 3);
      statuses.push(res.status);
      latencies.push(res.latencyMs);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return { statuses, latencies };
}

function nearestRank(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)] ?? Number.NaN;
}

/** Waits for two more scrape rounds, so the store has the latest counters. */
const settle = () => scrapeRounds(service);

beforeAll(async () => {
  await startApp();
  const apiPort = await freePort();
  outPort = await freePort();
  apiEnv = {
    WEFT_PROXY_NAMESPACE: 'demo',
    WEFT_PROXY_WORKLOAD: 'api',
    WEFT_PROXY_POD: 'api-1',
    WEFT_PROXY_INBOUND_HOST: '127.0.0.1',
    WEFT_PROXY_INBOUND_PORTS: `${apiPort}:${appPort}`,
    WEFT_PROXY_OUTBOUND_LISTEN: `127.0.0.1:${await freePort()}`,
    WEFT_PROXY_ADMIN_LISTEN: `127.0.0.1:${await freePort()}`,
  };
  apiConfig = {};
  const webConfig = {
    destinations: {
      'api.demo:80': {
        endpoints: [
          { address: '127.0.0.1', port: apiPort, namespace: 'demo', workload: 'api', pod: 'api-1' },
        ],
      },
    },
  };
  [web, api] = await Promise.all([
    startProxy(webConfig, await demoProxyEnv('web', outPort)),
    startProxy(apiConfig, apiEnv),
  ]);
  const pods = [meshedPod('demo', 'web', web.admin), meshedPod('demo', 'api', api.admin)];
  service = scrapingService(
    ['demo'],
    [meshedWorkload('demo', 'web'), meshedWorkload('demo', 'api')],
    () => pods,
  );
  // A stock Prometheus on loopback, scraping the same proxies through the file-SD list.
  if (!noPrometheus) prom = await prometheusOver(promDir, pods);
  // Warm-up (4 requests, 1 failing): every series exists before the measured traffic, so a
  // Prometheus, which cannot count what a new series held at its first scrape, misses little.
  await traffic(4);
  await settle();
  if (prom) await sleep(2500); // Prometheus' first samples hold the warm-up only
}, 150_000);

afterAll(async () => {
  await service?.stop();
  await prom?.stop();
  rmSync(promDir, { recursive: true, force: true });
  await Promise.all([web?.stop(), api?.stop()]);
  agent.destroy();
  app.close();
});

describe('golden metrics from real proxies', () => {
  it('counts known traffic exactly, with percentiles within one bucket of the truth', async () => {
    if (!service) throw new Error('setup failed');
    const { statuses } = await traffic(200);
    const latencies = [...appLatencies];
    expect(latencies).toHaveLength(204); // with the warm-up
    expect(statuses.filter((s) => s === 500)).toHaveLength(50);
    expect(statuses.filter((s) => s === 200)).toHaveLength(150);
    await settle();

    const api = await service.queries.golden({ kind: 'workload', namespace: 'demo', name: 'api' }, '1m');
    expect(api).toMatchObject({ requests: 204, failures: 51, successRate: 0.75 });
    expect(api.rps).toBeCloseTo(204 / 60, 10);
    for (const [q, got] of [
      [0.5, api.latencyP50Ms],
      [0.95, api.latencyP95Ms],
      [0.99, api.latencyP99Ms],
    ] as const) {
      const truth = nearestRank(latencies, q);
      expect(got, `p${q * 100}: ${got} ms vs ${truth.toFixed(1)} ms measured by the app`).not.toBeNull();
      expect(
        Math.abs(bucketIndex(got ?? 0) - bucketIndex(truth)),
        `p${q * 100}: ${got} ms vs ${truth.toFixed(1)} ms measured by the app`,
      ).toBeLessThanOrEqual(1);
    }

    // The edge web → api, from web's outbound metrics: the same counts, plaintext.
    const edges = await service.topology.edges('1m', { namespace: 'demo', workload: 'api' });
    const edge = edges.find((e) => e.source.name === 'web' && e.destination.name === 'api');
    expect(edge).toMatchObject({
      secured: false,
      sourceUnmeshed: false,
      clientIdentity: null,
      metrics: { requests: 204, failures: 51, successRate: 0.75 },
    });
    expect(service.status().targets.every((t) => t.healthy)).toBe(true);
  }, 60_000);

  it.skipIf(noPrometheus !== undefined)(
    'a real Prometheus scraping the same proxies agrees with the embedded store',
    async () => {
      if (!service || !prom) throw new Error('setup failed');
      // Prometheus (1 s interval) has scraped the final counters, and the series are old
      // enough that increase()'s extrapolation at the start is a few percent at most.
      await sleep(5000);
      await settle();
      const embedded = new EmbeddedBackend(service.store);
      // Each question at its proxy's last Prometheus scrape (no extrapolation at the end).
      const at = await lastScrapeMs(prom.url, '{pod="api-1"}');
      const edgesAt = await lastScrapeMs(prom.url, '{pod="web-1"}');
      const promBackend = new PrometheusBackend(new PrometheusClient(prom.url), 1);
      const platform = { listNamespaces: () => ['demo'], listWorkloads: () => [], listPods: () => [] };
      const scope = { kind: 'workload', namespace: 'demo', name: 'api' } as const;
      const [e, p] = await Promise.all([
        new MetricsQueries(embedded, platform, 1).golden(scope, '1m', at),
        new MetricsQueries(promBackend, platform, 1).golden(scope, '1m', at),
      ]);
      expect(e.requests).toBe(204);
      // increase() extrapolates to the window's edges: a few percent apart at most.
      expect(Math.abs(p.requests - e.requests), `${p.requests} from Prometheus`).toBeLessThanOrEqual(
        0.1 * e.requests,
      );
      expect(Math.abs((p.successRate ?? 0) - (e.successRate ?? 0))).toBeLessThanOrEqual(0.02);
      expect(withinOneBucket(e.latencyP50Ms, p.latencyP50Ms)).toBe(true);
      expect(withinOneBucket(e.latencyP95Ms, p.latencyP95Ms)).toBe(true);
      expect(withinOneBucket(e.latencyP99Ms, p.latencyP99Ms)).toBe(true);

      const name = (x: { source: { name: string }; destination: { name: string }; secured: boolean }) =>
        `${x.source.name}>${x.destination.name} secured=${x.secured}`;
      const [ee, pe] = await Promise.all([
        new TopologyQueries(embedded, platform).edges('1m', {}, edgesAt),
        new TopologyQueries(promBackend, platform).edges('1m', {}, edgesAt),
      ]);
      expect(pe.map(name)).toEqual(ee.map(name));
      expect(ee.map(name)).toContain('web>api secured=false');
      for (const edge of ee) {
        const other = pe.find((x) => name(x) === name(edge));
        expect(
          Math.abs((other?.metrics.requests ?? 0) - edge.metrics.requests),
          `${name(edge)}: ${other?.metrics.requests} from Prometheus vs ${edge.metrics.requests}`,
        ).toBeLessThanOrEqual(0.1 * edge.metrics.requests + 1);
      }
    },
    60_000,
  );

  it('a proxy restarted mid-window makes no rate negative or jump', async () => {
    if (!service || !api) throw new Error('setup failed');
    const scope = { kind: 'workload', namespace: 'demo', name: 'api' } as const;
    const before = await service.queries.golden(scope, '1m');
    await api.stop();
    await settle();
    expect(service.status().targets.find((t) => t.pod === 'api-1')).toMatchObject({ healthy: false });
    api = await startProxy(apiConfig, apiEnv); // same pod, same addresses, counters from zero
    await traffic(40);
    await settle();
    expect(service.status().targets.find((t) => t.pod === 'api-1')).toMatchObject({ healthy: true });

    const after = await service.queries.golden(scope, '1m');
    expect(after.requests).toBe(before.requests + 40);
    expect(after.failures).toBe(before.failures + 10);
    const series = await service.queries.series(scope, '1m', 1);
    for (const p of series) {
      expect(p.rps).toBeGreaterThanOrEqual(0);
      expect(p.requests).toBeGreaterThanOrEqual(0);
    }
    // No jump: the points add up to exactly what was sent, none counts the old totals again.
    expect(series.reduce((a, p) => a + p.requests, 0)).toBe(after.requests);
  }, 90_000);
});
