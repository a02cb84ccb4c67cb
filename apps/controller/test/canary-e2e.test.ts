// The canary runner end to end: the real controller as its own process running the demo,
// catalog (the caller) and inventory-v2 (the canary) meshed, inventory-v2 made to fail
// with the demo's knob. A canary of inventory-v2 against inventory fails its first gate
// on inventory-v2's own metrics and sends all traffic back to inventory by itself; the
// timeline says so, and catalog's proxy routes to inventory only again. Then, with
// inventory-v2 healthy, a canary survives the controller being killed mid-step: the next
// controller resumes it and it completes, and all traffic goes to inventory-v2.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AdminClient, DemoController, plainRequest as request } from './controller-fixture.ts';
import { waitFor } from './demo-harness.ts';

const controller = new DemoController({
  env: { WEFT_SCRAPE_INTERVAL_MS: '1000' },
  startTimeoutMs: 90_000,
});

/** Sends 20 requests to inventory through catalog's proxy; the versions that answered, or the failures. */
async function versionsViaCatalog(api: AdminClient): Promise<string[]> {
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

beforeAll(() => controller.prepare(), 10_000);
afterAll(() => controller.dispose(), 120_000);

it('a canary of a failing inventory-v2 fails its gate and reverts to inventory by itself', async () => {
  const api = await controller.start();
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
  let api = await controller.running();
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
  await controller.stop('SIGKILL');
  api = await controller.start();
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
