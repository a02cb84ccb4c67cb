// Golden metrics from real proxies: a client sends known traffic (a set failure ratio and
// latencies) through a meshed pair, outbound proxy (demo/web) → inbound proxy (demo/api)
// → app; the controller's scraper reads both proxies' /metrics. Counts, success rate and
// rps must be exact, percentiles within one bucket of what the client measured; then the
// inbound proxy restarts mid-window and no rate goes negative or jumps.
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pod, Workload } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsService } from '../src/metrics/service.ts';
import { bucketIndex, freePort, type RunningProxy, sleep, startProxy } from './metrics-helpers.ts';

const SCRAPE_MS = 500;

function workload(name: string): Workload {
  return {
    namespace: 'demo',
    name,
    kind: 'Deployment',
    labels: {},
    serviceAccount: name,
    replicas: 1,
    readyReplicas: 1,
    meshedReplicas: 1,
    meshed: true,
    meshState: 'meshed',
    createdAt: new Date(0).toISOString(),
  };
}

function pod(name: string, workloadName: string, admin: string): Pod {
  return {
    namespace: 'demo',
    name,
    workload: workloadName,
    ip: '127.0.0.1',
    phase: 'Running',
    ready: true,
    meshed: true,
    restarts: 0,
    lastExit: null,
    proxyAdmin: admin,
    startedAt: new Date().toISOString(),
  };
}

let app: Server;
let appPort = 0;
let web: RunningProxy | undefined;
let api: RunningProxy | undefined;
let apiEnv: Record<string, string> = {};
let apiConfig: unknown;
let outPort = 0;
let service: MetricsService | undefined;
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** The app: `/?ms=N&fail=1` answers after N ms, 500 when fail is set. */
function startApp(): Promise<void> {
  app = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const ms = Number(u.searchParams.get('ms') ?? 0);
    setTimeout(() => {
      res.writeHead(u.searchParams.get('fail') ? 500 : 200).end('done');
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

/** n requests, 8 at a time: 60% at 12 ms, 30% at 60 ms, 10% at 250 ms; every 4th fails. */
async function traffic(n: number): Promise<{ statuses: number[]; latencies: number[] }> {
  const statuses: number[] = [];
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const r = i % 10;
      const ms = r < 6 ? 12 : r < 9 ? 60 : 250;
      const res = await call(ms, i % 4 === 3);
      statuses.push(res.status);
      latencies.push(res.latencyMs);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { statuses, latencies };
}

function nearestRank(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)] ?? Number.NaN;
}

/** Waits for two more scrape rounds, so the store has the latest counters. */
async function settle(): Promise<void> {
  const target = (service?.scraper.rounds ?? 0) + 2;
  while ((service?.scraper.rounds ?? 0) < target) await sleep(50);
}

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
    startProxy(webConfig, {
      WEFT_PROXY_NAMESPACE: 'demo',
      WEFT_PROXY_WORKLOAD: 'web',
      WEFT_PROXY_POD: 'web-1',
      WEFT_PROXY_INBOUND_HOST: '127.0.0.1',
      WEFT_PROXY_INBOUND_PORTS: `${await freePort()}:${await freePort()}`,
      WEFT_PROXY_OUTBOUND_LISTEN: `127.0.0.1:${outPort}`,
    }),
    startProxy(apiConfig, apiEnv),
  ]);
  const pods = [pod('web-1', 'web', web.admin), pod('api-1', 'api', api.admin)];
  const workloads = [workload('web'), workload('api')];
  service = new MetricsService(
    {
      listNamespaces: () => ['demo'],
      listWorkloads: () => workloads,
      listPods: () => pods,
      watch: () => () => {},
    },
    {
      scrapeIntervalMs: SCRAPE_MS,
      scrapeTimeoutMs: 400,
      retentionMs: 120_000,
      maxRingBytes: 16 * 1024 * 1024,
    },
  );
  service.start();
  await settle();
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await Promise.all([web?.stop(), api?.stop()]);
  agent.destroy();
  app.close();
});

describe('golden metrics from real proxies', () => {
  it('counts known traffic exactly, with percentiles within one bucket of the truth', async () => {
    if (!service) throw new Error('setup failed');
    const { statuses, latencies } = await traffic(200);
    expect(statuses.filter((s) => s === 500)).toHaveLength(50);
    expect(statuses.filter((s) => s === 200)).toHaveLength(150);
    await settle();

    const api = await service.queries.golden({ kind: 'workload', namespace: 'demo', name: 'api' }, '1m');
    expect(api).toMatchObject({ requests: 200, failures: 50, successRate: 0.75 });
    expect(api.rps).toBeCloseTo(200 / 60, 10);
    for (const [q, got] of [
      [0.5, api.latencyP50Ms],
      [0.95, api.latencyP95Ms],
      [0.99, api.latencyP99Ms],
    ] as const) {
      const truth = nearestRank(latencies, q);
      expect(got, `p${q * 100}: ${got} ms vs ${truth.toFixed(1)} ms measured by the client`).not.toBeNull();
      expect(Math.abs(bucketIndex(got ?? 0) - bucketIndex(truth))).toBeLessThanOrEqual(1);
    }

    // The edge web → api, from web's outbound metrics: the same counts, plaintext.
    const edges = await service.topology.edges('1m', { namespace: 'demo', workload: 'api' });
    const edge = edges.find((e) => e.source.name === 'web' && e.destination.name === 'api');
    expect(edge).toMatchObject({
      secured: false,
      sourceUnmeshed: false,
      clientIdentity: null,
      metrics: { requests: 200, failures: 50, successRate: 0.75 },
    });
    expect(service.status().targets.every((t) => t.healthy)).toBe(true);
  });

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
  });
});
