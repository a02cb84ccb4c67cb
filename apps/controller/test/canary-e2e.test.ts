// The canary runner end to end: the real controller as its own process running the demo,
// catalog (the caller) and inventory-v2 (the canary) meshed, inventory-v2 made to fail
// with the demo's knob. A canary of inventory-v2 against inventory fails its first gate
// on inventory-v2's own metrics and sends all traffic back to inventory by itself; the
// timeline says so, and catalog's proxy routes to inventory only again. Then, with
// inventory-v2 healthy, a canary survives the controller being killed mid-step: the next
// controller resumes it and it completes, and all traffic goes to inventory-v2.

import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppRouter } from '../src/api/router.ts';
import {
  type ControllerProcess,
  freePort,
  livePids,
  reserveOctet,
  startControllerProcess,
  tempStateDir,
  waitFor,
} from './demo-harness.ts';

let stateDir: string;
let octet: number;
let apiPort: number;
let current: ControllerProcess | undefined;

function client(url: string) {
  const token = () => readFileSync(join(stateDir, 'auth', 'admin-token'), 'utf8').trim();
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${url}/trpc`, headers: () => ({ authorization: `Bearer ${token()}` }) })],
  });
}

async function start() {
  current = await startControllerProcess({
    stateDir,
    octet,
    apiPort,
    env: { WEFT_SCRAPE_INTERVAL_MS: '1000' },
    startTimeoutMs: 90_000,
  });
  const api = client(current.url);
  await waitFor(
    'every demo pod to be ready',
    async () => (await api.workloads.list.query({})).every((w) => w.readyReplicas === w.replicas),
    90_000,
  );
  return api;
}

async function stop(signal: NodeJS.Signals) {
  const c = current;
  current = undefined;
  if (!c || c.child.exitCode !== null) return;
  c.child.kill(signal);
  await c.exited;
}

/** Sends 20 requests to inventory through catalog's proxy; the versions that answered, or the failures. */
async function versionsViaCatalog(api: ReturnType<typeof client>): Promise<string[]> {
  const [catalogPod] = await api.pods.list.query({ namespace: 'demo', workload: 'catalog' });
  const inventory = (await api.services.list.query({ namespace: 'demo' })).find(
    (s) => s.name === 'inventory',
  );
  const target = `${inventory?.clusterIP}:8080`;
  const rs = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      request(catalogPod?.ip ?? '', 4140, `http://${target}/stock/book-${i}`, { hostHeader: target }),
    ),
  );
  return rs.map((r) => (r.status === 200 ? String(JSON.parse(r.body).version) : `status ${r.status}`));
}

/** One plain HTTP request (absolute form when sent to a proxy's outbound listener). */
function request(
  host: string,
  port: number,
  path: string,
  opts: { method?: string; body?: string; hostHeader?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host,
        port,
        path,
        method: opts.method ?? 'GET',
        timeout: 5000,
        headers: opts.hostHeader ? { host: opts.hostHeader } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

beforeAll(async () => {
  stateDir = tempStateDir();
  octet = await reserveOctet();
  apiPort = await freePort();
}, 10_000);

afterAll(async () => {
  await stop('SIGTERM');
  if (livePids(stateDir).length) {
    await start().catch(() => {});
    await stop('SIGTERM');
  }
  rmSync(stateDir, { recursive: true, force: true });
}, 120_000);

it('a canary of a failing inventory-v2 fails its gate and reverts to inventory by itself', async () => {
  const api = await start();
  const catalog = { namespace: 'demo', name: 'catalog' };
  const v2 = { namespace: 'demo', name: 'inventory-v2' };
  await Promise.all([api.workloads.mesh.mutate(catalog), api.workloads.mesh.mutate(v2)]);
  await waitFor(
    'catalog and inventory-v2 to be meshed',
    async () =>
      (await api.workloads.get.query(catalog)).workload.meshState === 'meshed' &&
      (await api.workloads.get.query(v2)).workload.meshState === 'meshed',
    90_000,
  );

  // The demo knob: every request inventory-v2 serves now fails on purpose.
  const [v2Pod] = await api.pods.list.query({ namespace: 'demo', workload: 'inventory-v2' });
  const knob = await request(v2Pod?.ip ?? '', 8080, '/_demo/knobs', {
    method: 'PUT',
    body: '{"failureRate": 1}',
  });
  expect(knob, knob.body).toMatchObject({ status: 200 });

  const started = await api.canaries.start.mutate({
    namespace: 'demo',
    service: 'inventory',
    port: 8080,
    stable: 'inventory',
    canary: 'inventory-v2',
    steps: [30, 60, 100],
    holdSeconds: 10,
    gates: { minSuccessRate: 0.9, maxP99Ms: 2000 },
  });
  expect(started).toMatchObject({ phase: 'running', weight: 30, route: 'inventory-canary' });
  expect((await api.canaries.list.query({ namespace: 'demo' })).map((c) => c.id)).toContain(started.id);

  const ended = await waitFor(
    'the canary to end',
    async () => {
      const c = await api.canaries.get.query({ id: started.id });
      return c.phase !== 'running' && c;
    },
    60_000,
    500,
  );
  expect(ended.phase, JSON.stringify(ended.events, null, 1)).toBe('failed');
  expect(ended.weight).toBe(0);
  const failed = ended.events.find((e) => e.kind === 'gate-failed');
  expect(failed?.step).toBe(0);
  expect(failed?.measurement?.requests).toBeGreaterThan(0);
  expect(failed?.measurement?.successRate ?? 1).toBeLessThan(0.9);
  expect(failed?.message).toMatch(/^step 1 at 30 %: gate failed: success rate \d+\.\d % < 90\.0 %/);
  expect(ended.events.map((e) => e.kind).slice(-2)).toEqual(['gate-failed', 'reverted']);

  // The revisions it wrote are by canary:<id>; the last sends everything to inventory.
  const revisions = await api.policies.revisions.query();
  expect(revisions[0]?.author).toBe(`canary:${started.id}`);
  const route = await api.policies.get.query({
    kind: 'HTTPRoute',
    namespace: 'demo',
    name: 'inventory-canary',
  });
  expect(JSON.stringify(route.document)).toContain('"name":"inventory-v2","port":8080,"weight":0');

  // And the traffic follows: through catalog's proxy, inventory (v1) answers every request.
  await waitFor(
    'catalog’s proxy to route to inventory only',
    async () => (await versionsViaCatalog(api)).every((v) => v === 'v1'),
    15_000,
  );
}, 300_000);

it('a canary survives the controller being killed mid-step: the next controller resumes it to the end', async () => {
  let api = current ? client(current.url) : await start();
  const [v2Pod] = await api.pods.list.query({ namespace: 'demo', workload: 'inventory-v2' });
  const knob = await request(v2Pod?.ip ?? '', 8080, '/_demo/knobs', {
    method: 'PUT',
    body: '{"failureRate": 0}',
  });
  expect(knob, knob.body).toMatchObject({ status: 200 });

  const started = await api.canaries.start.mutate({
    namespace: 'demo',
    service: 'inventory',
    port: 8080,
    stable: 'inventory',
    canary: 'inventory-v2',
    steps: [50, 100],
    holdSeconds: 10,
    gates: { minSuccessRate: 0.9, maxP99Ms: 2000 },
  });
  expect(started).toMatchObject({
    phase: 'running',
    weight: 50,
    route: 'inventory-canary',
    routeExisted: true,
  });

  // Killed: nothing stops the canary's loop gracefully; its state file is all that is left.
  await stop('SIGKILL');
  api = await start();
  const ended = await waitFor(
    'the resumed canary to end',
    async () => {
      const c = await api.canaries.get.query({ id: started.id });
      return c.phase !== 'running' && c;
    },
    90_000,
    500,
  );
  const kinds = ended.events.map((e) => e.kind);
  expect(ended.phase, JSON.stringify(ended.events, null, 1)).toBe('succeeded');
  expect(kinds).toEqual(['started', 'step', 'resumed', 'gate-passed', 'step', 'gate-passed', 'succeeded']);
  expect(ended.events[2]?.message).toBe('controller restarted: holding step 1 at 50 % again for 10 s');
  expect(ended.weight).toBe(100);
  await waitFor(
    'catalog’s proxy to route to inventory-v2 only',
    async () => (await versionsViaCatalog(api)).every((v) => v === 'v2'),
    15_000,
  );
}, 300_000);
