// Linkerd's own Grafana dashboards against Weft: the demo runs on the local platform under
// the controller (its own process, with identity, so meshed calls are mTLS), web, catalog
// and inventory are meshed, the traffic generator sends requests, and a Debian Prometheus
// scrapes the proxies through the controller's file-SD list. Every query of the
// deployment, pod, service, namespace, top-line and authority dashboards is then run
// unchanged (Grafana's variables substituted with real values, each checked against the
// dashboard's own `label_values` query) and must return data, except the named
// legitimate empties. The route dashboard queries the ServiceProfile-era `route_*`
// families, which Weft does not serve (see apps/proxy/src/README.md); instead, the
// Linkerd 2.16+ `outbound_http_route_*` families are queried for web's calls to catalog
// once the demo's HTTPRoute on catalog is applied.
//
// Test data: fixtures/linkerd-grafana/ (Apache-2.0, source in its README).

import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/api/router.ts';
import {
  type ControllerProcess,
  livePids,
  reserveOctet,
  startControllerProcess,
  tempStateDir,
  waitFor,
} from './demo-harness.ts';
import {
  type Dashboard,
  type DashboardQuery,
  hasData,
  instantQuery,
  labelValuesQuery,
  loadDashboard,
  substitute,
} from './grafana-dashboards.ts';
import {
  ensurePrometheus,
  type RunningPrometheus,
  startPrometheus,
  waitForScrapes,
} from './metrics-helpers.ts';

const missing = ensurePrometheus();
if (missing) console.log(`[grafana-dashboards] skipped: ${missing}`);

const FIXTURES = fileURLToPath(new URL('./fixtures/linkerd-grafana/', import.meta.url));
/** The demo's HTTPRoute on catalog (a 1 s request timeout): web's calls to catalog then take a route. */
const CATALOG_ROUTE = fileURLToPath(new URL('../../../examples/demo/policies/timeout.yaml', import.meta.url));
const SERVED_DASHBOARDS = ['deployment', 'pod', 'service', 'namespace', 'top-line', 'authority'];
const SCRAPE_S = 1;
/** What `$__rate_interval` stands for: Grafana's is at least 4 scrape intervals; a little more rides out a late scrape. */
const RATE_INTERVAL_S = 20;

/** Queries that are legitimately empty on a healthy, all-meshed demo, and why. */
const LEGITIMATE_EMPTIES: { match: RegExp; reason: string }[] = [
  {
    match: /errno!=""/,
    reason: 'connections that ended in a socket error (tcp_close_total with errno): none on a healthy demo',
  },
  {
    match: /tls!="true"/,
    reason:
      'requests without mTLS: every caller and callee of the chosen workload (catalog) is meshed, so all of its traffic is mTLS (checked below: the tls="true" twin returns data); namespace-wide panels still show the unmeshed traffic generator calling web',
  },
];

/** Why the route dashboard's queries are not run. */
const ROUTE_NOT_SERVED =
  'route.json queries the ServiceProfile-era route_request_total / route_response_total / route_response_latency_ms with rt_route; Weft serves the Linkerd 2.16+ outbound_{http,grpc}_route_* families instead';

function client(url: string) {
  // As an admin, with the token the controller wrote at its start.
  const token = () => readFileSync(join(stateDir, 'auth', 'admin-token'), 'utf8').trim();
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${url}/trpc`, headers: () => ({ authorization: `Bearer ${token()}` }) })],
  });
}

const meshed = ['web', 'catalog', 'inventory'];
let stateDir = '';
let controller: ControllerProcess | undefined;
let prom: RunningPrometheus | undefined;
let values: Record<string, string> = {};
/** When the last of web, catalog and inventory was meshed and ready. */
let meshedAt = 0;
const dashboards: Dashboard[] = [...SERVED_DASHBOARDS, 'route'].map((n) =>
  loadDashboard(n, join(FIXTURES, `${n}.json`)),
);

describe.skipIf(missing !== undefined)("Linkerd's Grafana dashboards against Weft's proxies", () => {
  beforeAll(async () => {
    stateDir = tempStateDir();
    controller = await startControllerProcess({ stateDir, octet: await reserveOctet() });
    const api = client(controller.url);
    await waitFor(
      'every demo pod to be ready',
      async () =>
        (await api.workloads.list.query({})).every((w) => w.replicas > 0 && w.readyReplicas === w.replicas),
      120_000,
    );
    for (const name of meshed) await api.workloads.mesh.mutate({ namespace: 'demo', name });
    await waitFor(
      'web, catalog and inventory to be meshed and ready',
      async () => {
        const ws = await api.workloads.list.query({ namespace: 'demo' });
        return meshed.every((n) => {
          const w = ws.find((x) => x.name === n);
          return (
            w?.meshState === 'meshed' && w.readyReplicas === w.replicas && w.meshedReplicas === w.replicas
          );
        });
      },
      120_000,
      500,
    );
    meshedAt = Date.now();
    const pods = await api.pods.list.query({ namespace: 'demo' });
    const proxies = pods.filter((p) => p.proxyAdmin !== null).length;
    prom = await startPrometheus(join(stateDir, 'prometheus', 'targets.json'), SCRAPE_S);
    await waitForScrapes(prom.url, proxies, 60_000);
    const catalogPod = pods.find((p) => p.workload === 'catalog' && p.meshed)?.name ?? '';
    const url = prom.url;
    const authority = await waitFor(
      "catalog's authority on web's outbound requests",
      async () =>
        (
          await instantQuery(
            url,
            'group by (authority) (request_total{namespace="demo", direction="outbound", dst_service="catalog"})',
          )
        )[0]?.metric.authority,
      60_000,
      1000,
    );
    values = {
      __rate_interval: `${RATE_INTERVAL_S}s`,
      namespace: 'demo',
      deployment: 'catalog',
      pod: catalogPod,
      inbound: 'web',
      outbound: 'inventory',
      service: 'catalog',
      authority,
    };
  }, 420_000);

  afterAll(async () => {
    await prom?.stop();
    const c = controller;
    if (c && c.child.exitCode === null) {
      c.child.kill('SIGTERM');
      await Promise.race([c.exited, new Promise((r) => setTimeout(r, 60_000))]);
    }
    if (stateDir) {
      const left = livePids(stateDir);
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 90_000);

  it("lists the chosen values in each dashboard's own template variables", async () => {
    const url = prom?.url ?? '';
    for (const d of dashboards.filter((x) => x.name !== 'route')) {
      for (const v of d.variables) {
        const lv = labelValuesQuery(v.query);
        if (lv === undefined) continue; // e.g. pod.json's `inbound`, which has no query
        const listed = (await instantQuery(url, substitute(lv.promql, values))).map(
          (s) => s.metric[lv.label],
        );
        expect(listed, `${d.name}.json $${v.name}: ${v.query}`).toContain(values[v.name]);
      }
    }
  });

  it('answers every query of the deployment, pod, service, namespace, top-line and authority dashboards', async () => {
    const url = prom?.url ?? '';
    const served = dashboards.filter((d) => d.name !== 'route').flatMap((d) => d.queries);
    const skip = (q: DashboardQuery) => LEGITIMATE_EMPTIES.find((e) => e.match.test(q.expr));
    const required = served.filter((q) => skip(q) === undefined);
    // Rate windows that still reach back to before the mesh would show calls made while
    // peers were being meshed (without mTLS): wait until they no longer do.
    const settled = meshedAt + (RATE_INTERVAL_S + 5) * 1000 - Date.now();
    if (settled > 0) await new Promise((r) => setTimeout(r, settled));
    // Connections must close for tcp_connection_duration_ms and traffic must fill the
    // rate windows: ask again until every required query answers, within a bound.
    const empty = new Map<DashboardQuery, string>();
    const deadline = Date.now() + 120_000;
    for (;;) {
      empty.clear();
      for (const q of required) {
        const promql = substitute(q.expr, values);
        if (!hasData(await instantQuery(url, promql))) empty.set(q, promql);
      }
      if (empty.size === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 3000));
    }
    const report = [...empty.entries()].map(([q, promql]) => `${q.dashboard}.json [${q.panel}] ${promql}`);
    expect(report, `queries with no data:\n${report.join('\n')}`).toEqual([]);

    // The named empties are run too, and each reason is checked where it can be.
    const skipped = served.filter((q) => skip(q) !== undefined);
    let emptyAsExplained = 0;
    for (const q of skipped) {
      const promql = substitute(q.expr, values);
      if (!hasData(await instantQuery(url, promql))) emptyAsExplained++;
      if (/tls!="true"/.test(q.expr)) {
        const twin = substitute(q.expr.replace('tls!="true"', 'tls="true"'), values);
        expect(hasData(await instantQuery(url, twin)), `mTLS traffic for ${q.dashboard}.json: ${twin}`).toBe(
          true,
        );
      }
    }
    console.log(
      `[grafana-dashboards] ${required.length} of ${served.length} queries return data; ` +
        `${skipped.length} named as legitimately empty (${emptyAsExplained} of them were): ` +
        LEGITIMATE_EMPTIES.map((e) => `${e.match.source}: ${e.reason}`).join('; '),
    );
    expect(required.length + skipped.length).toBe(served.length);
  }, 200_000);

  it('leaves the route dashboard, whose ServiceProfile-era families Weft does not serve, named as not run', async () => {
    const route = dashboards.find((d) => d.name === 'route');
    expect(route?.queries.length).toBeGreaterThan(0);
    for (const q of route?.queries ?? [])
      expect(q.expr).toMatch(/\broute_(request_total|response_total|response_latency_ms_bucket)\b/);
    // The families it reads are indeed absent, so its panels would be empty for the reason given.
    const served = await instantQuery(prom?.url ?? '', 'count by (__name__) ({__name__=~"route_.+"})');
    expect(served, ROUTE_NOT_SERVED).toEqual([]);
    console.log(
      `[grafana-dashboards] route.json: ${route?.queries.length} queries not run: ${ROUTE_NOT_SERVED}`,
    );
  });

  it("serves Linkerd 2.16's per-route families for real traffic through the demo's HTTPRoute", async () => {
    const api = client(controller?.url ?? '');
    const url = prom?.url ?? '';
    const applied = await api.policies.applyYaml.mutate({ yaml: readFileSync(CATALOG_ROUTE, 'utf8') });
    await waitFor(
      "web's proxies to run the revision with catalog's HTTPRoute",
      async () => {
        const p = await api.policies.propagation.query({ revision: applied.revision });
        return (
          p.proxies.filter((x) => x.pod.startsWith('web-') && (x.revision ?? 0) >= applied.revision)
            .length === 2
        );
      },
      30_000,
      500,
    );
    const route =
      'namespace="demo", deployment="web", parent_kind="Service", parent_namespace="demo", parent_name="catalog", parent_port="8080", route_group="gateway.networking.k8s.io", route_kind="HTTPRoute", route_namespace="demo", route_name="catalog-timeout"';
    const queries = [
      `sum(rate(outbound_http_route_request_statuses_total{${route}, http_status="200"}[${RATE_INTERVAL_S}s]))`,
      `histogram_quantile(0.95, sum by (le) (rate(outbound_http_route_request_duration_seconds_bucket{${route}}[${RATE_INTERVAL_S}s])))`,
      `sum(rate(outbound_http_route_backend_requests_total{${route}, backend_kind="Service", backend_name="catalog", backend_port="8080"}[${RATE_INTERVAL_S}s]))`,
      `sum(rate(outbound_http_route_backend_response_statuses_total{${route}, backend_name="catalog", http_status="200"}[${RATE_INTERVAL_S}s]))`,
      `histogram_quantile(0.95, sum by (le) (rate(outbound_http_route_backend_response_duration_seconds_bucket{${route}, backend_name="catalog"}[${RATE_INTERVAL_S}s])))`,
    ];
    let empty: string[] = queries;
    const deadline = Date.now() + 90_000;
    while (empty.length > 0 && Date.now() < deadline) {
      const left: string[] = [];
      for (const q of empty) if (!hasData(await instantQuery(url, q))) left.push(q);
      empty = left;
      if (empty.length > 0) await new Promise((r) => setTimeout(r, 2000));
    }
    expect(empty, `per-route queries with no data:\n${empty.join('\n')}`).toEqual([]);
  }, 150_000);
});
