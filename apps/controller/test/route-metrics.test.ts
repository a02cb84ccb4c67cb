// Per-route golden metrics from a real proxy: demo/web's outbound proxy routes requests for
// demo/inventory by an HTTPRoute whose first rule splits between inventory (answers 200)
// and inventory-v2 (answers 500 after 120 ms), and whose second rule sends /admin to
// inventory alone. The controller scrapes the proxy's /metrics; `metrics.routes` must give
// each rule's and each backend's counts exactly as the client saw them, and a real
// Prometheus scraping the same proxy must agree.

import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboundPolicy, type RouteMetricsRow } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '../src/api/router.ts';
import { type ApiServices, createContext } from '../src/api/trpc.ts';
import { PrometheusBackend } from '../src/metrics/prometheus-backend.ts';
import { PrometheusClient } from '../src/metrics/prometheus-client.ts';
import { MetricsQueries } from '../src/metrics/queries.ts';
import type { MetricsService } from '../src/metrics/service.ts';
import { meshedPod, scrapingService } from './mesh-helpers.ts';
import {
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
} from './metrics-helpers.ts';

const noPrometheus = ensurePrometheus();
if (noPrometheus) console.log(`[route-metrics] Prometheus comparison skipped: ${noPrometheus}`);

const apps: Server[] = [];
let web: RunningProxy | undefined;
let outPort = 0;
let service: MetricsService | undefined;
let prom: RunningPrometheus | undefined;
const promDir = mkdtempSync(join(tmpdir(), 'weft-prom-routes-'));
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** What the client saw, per rule and per backend. */
const seen = { items: 0, admin: 0, stable: 0, canary: 0, adminStable: 0 };

function startApp(answer: (res: import('node:http').ServerResponse) => void): Promise<number> {
  const app = createServer((_req, res) => answer(res));
  apps.push(app);
  return new Promise((r) => app.listen(0, '127.0.0.1', () => r((app.address() as AddressInfo).port)));
}

/** One request through web's outbound proxy to inventory.demo; resolves with status and body. */
function call(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: outPort, path: `http://inventory.demo${path}`, agent },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** `n` requests to /items and `admin` to /admin, 8 at a time, tallied in `seen`. */
async function traffic(n: number, admin: number): Promise<void> {
  const paths = [
    ...Array.from({ length: n }, () => '/items'),
    ...Array.from({ length: admin }, () => '/admin'),
  ];
  const worker = async () => {
    for (let p = paths.shift(); p !== undefined; p = paths.shift()) {
      const r = await call(p);
      if (p === '/admin') {
        seen.admin++;
        if (r.body === 'stable') seen.adminStable++;
      } else {
        seen.items++;
        if (r.body === 'stable' && r.status === 200) seen.stable++;
        if (r.body === 'canary' && r.status === 500) seen.canary++;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Waits for two more scrape rounds, so the store has the latest counters. */
const settle = () => scrapeRounds(service);

const ref = (name: string) => ({ namespace: 'demo', name, port: 80 });

beforeAll(async () => {
  const stablePort = await startApp((res) => res.writeHead(200).end('stable'));
  const canaryPort = await startApp((res) => setTimeout(() => res.writeHead(500).end('canary'), 120));
  outPort = await freePort();
  const route = { kind: 'HTTPRoute', namespace: 'demo', name: 'inventory-split' };
  const policy = OutboundPolicy.parse({
    revision: 1,
    authority: 'inventory.demo:80',
    service: ref('inventory'),
    routes: [
      {
        source: route,
        rule: 1,
        matches: [{ path: { type: 'PathPrefix', value: '/admin' }, headers: [], queryParams: [] }],
        backends: [{ authority: 'inventory.demo:80', weight: 1, service: ref('inventory') }],
      },
      {
        source: route,
        rule: 0,
        matches: [{ path: { type: 'PathPrefix', value: '/items' }, headers: [], queryParams: [] }],
        backends: [
          { authority: 'inventory.demo:80', weight: 3, service: ref('inventory') },
          { authority: 'inventory-v2.demo:80', weight: 1, service: ref('inventory-v2') },
        ],
      },
    ],
  });
  const endpoint = (port: number, workload: string) => ({
    endpoints: [{ address: '127.0.0.1', port, namespace: 'demo', workload, pod: `${workload}-1` }],
  });
  web = await startProxy(
    {
      destinations: {
        'inventory.demo:80': endpoint(stablePort, 'inventory'),
        'inventory-v2.demo:80': endpoint(canaryPort, 'inventory-v2'),
      },
      policies: [policy],
    },
    await demoProxyEnv('web', outPort),
  );
  const pods = [meshedPod('demo', 'web', web.admin)];
  service = scrapingService(['demo'], [], () => pods);
  if (!noPrometheus) prom = await prometheusOver(promDir, pods);
  // Warm-up: every series exists before the measured traffic, the canary backend's too
  // (8 requests split 3:1 miss it one time in ten). Prometheus cannot count what a new
  // series held at its first scrape.
  await traffic(8, 1);
  for (let i = 0; i < 40 && seen.canary === 0; i++) await traffic(1, 0);
  await settle();
  if (prom) await sleep(2500);
}, 150_000);

afterAll(async () => {
  await service?.stop();
  await prom?.stop();
  rmSync(promDir, { recursive: true, force: true });
  await web?.stop();
  agent.destroy();
  for (const a of apps) a.close();
});

function rowOf(rows: RouteMetricsRow[], rule: number): RouteMetricsRow | undefined {
  return rows.find((r) => r.route.name === 'inventory-split' && r.route.rule === rule);
}

describe('per-route golden metrics from a real proxy', () => {
  it('gives each rule and each backend of a split its exact counts, through metrics.routes', async () => {
    if (!service) throw new Error('setup failed');
    await traffic(128 - seen.items, 10);
    await settle();
    expect(seen.items).toBe(128);
    expect(seen.stable + seen.canary).toBe(128);
    expect(seen.canary).toBeGreaterThan(0);
    expect(seen.adminStable).toBe(11);

    const viewer = createCaller(
      createContext({ metrics: service } as unknown as ApiServices, {
        kind: 'user',
        name: 'vera',
        role: 'viewer',
      }),
    );
    const answer = await viewer.metrics.routes({ namespace: 'demo', service: 'inventory', window: '1m' });
    expect(answer.window).toBe('1m');
    expect(answer.routes.map((r) => r.route)).toEqual([
      { parentPort: 80, kind: 'HTTPRoute', namespace: 'demo', name: 'inventory-split', rule: 0 },
      { parentPort: 80, kind: 'HTTPRoute', namespace: 'demo', name: 'inventory-split', rule: 1 },
    ]);

    const items = rowOf(answer.routes, 0);
    expect(items?.metrics).toMatchObject({ requests: 128, failures: seen.canary });
    expect(items?.metrics.successRate).toBeCloseTo(seen.stable / 128, 10);
    expect(items?.metrics.rps).toBeCloseTo(128 / 60, 10);
    expect(items?.metrics.latencyP99Ms).not.toBeNull();
    expect(items?.backends.map((b) => [b.backend, b.metrics.requests, b.metrics.failures])).toEqual([
      [ref('inventory'), seen.stable, 0],
      [ref('inventory-v2'), seen.canary, seen.canary],
    ]);
    // inventory-v2 answers after 120 ms: its median is in the (100, 250] ms bucket.
    const v2 = items?.backends[1]?.metrics;
    expect(v2?.successRate).toBe(0);
    expect(v2?.latencyP50Ms).toBeGreaterThan(100);
    expect(v2?.latencyP50Ms).toBeLessThanOrEqual(250);
    // The trend's steps add up to the window's requests (12 steps of 5 s).
    expect(items?.rpsTrend).toHaveLength(12);
    expect((items?.rpsTrend ?? []).reduce((a, b) => a + b, 0) * 5).toBeCloseTo(128, 6);

    const admin = rowOf(answer.routes, 1);
    expect(admin?.metrics).toMatchObject({ requests: 11, failures: 0, successRate: 1 });
    expect(admin?.backends.map((b) => b.backend)).toEqual([ref('inventory')]);

    // A Service no route of which saw traffic has no rows; a bad name is refused.
    expect(
      (await viewer.metrics.routes({ namespace: 'demo', service: 'catalog', window: '1m' })).routes,
    ).toEqual([]);
    await expect(
      viewer.metrics.routes({ namespace: 'demo', service: 'Not A Name', window: '1m' }),
    ).rejects.toThrow(/service/);
  }, 60_000);

  it.skipIf(noPrometheus !== undefined)(
    'a real Prometheus scraping the same proxy agrees with the embedded store',
    async () => {
      if (!service || !prom) throw new Error('setup failed');
      await sleep(5000);
      await settle();
      const at = await lastScrapeMs(prom.url, '{pod="web-1"}');
      const platform = { listNamespaces: () => ['demo'], listWorkloads: () => [], listPods: () => [] };
      const [e, p] = await Promise.all([
        service.queries.routes('demo', 'inventory', '1m', at),
        new MetricsQueries(new PrometheusBackend(new PrometheusClient(prom.url), 1), platform, 1).routes(
          'demo',
          'inventory',
          '1m',
          at,
        ),
      ]);
      expect(p.routes.map((r) => r.route)).toEqual(e.routes.map((r) => r.route));
      for (const row of e.routes) {
        const other = p.routes.find((r) => r.route.rule === row.route.rule);
        const close = (a: number | undefined, b: number) => Math.abs((a ?? 0) - b) <= 0.1 * b + 1;
        expect(
          close(other?.metrics.requests, row.metrics.requests),
          `rule ${row.route.rule}: Prometheus ${other?.metrics.requests}, embedded ${row.metrics.requests}`,
        ).toBe(true);
        expect(Math.abs((other?.metrics.successRate ?? 0) - (row.metrics.successRate ?? 0))).toBeLessThan(
          0.05,
        );
        expect(other?.backends.map((b) => b.backend)).toEqual(row.backends.map((b) => b.backend));
        for (const b of row.backends) {
          const ob = other?.backends.find((x) => x.backend.name === b.backend.name);
          expect(
            close(ob?.metrics.requests, b.metrics.requests),
            `${b.backend.name}: Prometheus ${ob?.metrics.requests}, embedded ${b.metrics.requests}`,
          ).toBe(true);
        }
        expect(other?.rpsTrend).toHaveLength(12);
      }
    },
    60_000,
  );
});
