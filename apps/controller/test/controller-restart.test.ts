// The controller as its own process, over HTTP: a restart keeps the meshed set; a
// SIGKILL while meshed traffic flows does not stop that traffic, and the next
// controller takes the running pods over; a graceful stop leaves no process behind.
import { meshIdentity, PROXY_TLS_IDENTITY_HEADER } from '@weft/shared';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isAlive } from '../src/platform/local/processes.ts';
import { type AdminClient, DemoController } from './controller-fixture.ts';
import { livePids, podRecords, recordedProcesses, trafficStats, waitFor } from './demo-harness.ts';

const controller = new DemoController();
const catalog = { namespace: 'demo', name: 'catalog' };

async function trafficIp(api: AdminClient) {
  const [pod] = await api.pods.list.query({ namespace: 'demo', workload: 'traffic' });
  return pod?.ip ?? '';
}

beforeAll(() => controller.prepare(), 10_000);
afterAll(() => controller.dispose(), 90_000);

it('keeps the meshed set across a graceful restart, and a graceful stop leaves no process behind', async () => {
  let api = await controller.start();
  await api.workloads.mesh.mutate(catalog);
  await waitFor(
    'catalog to be meshed',
    async () => (await api.workloads.get.query(catalog)).workload.meshState === 'meshed',
    60_000,
  );
  // its proxy serves mTLS, and says so on /ready: what its endpoints are announced meshed from
  const detail = await api.workloads.get.query(catalog);
  const ready = await fetch(`http://${detail.pods[0]?.proxyAdmin}/ready`);
  expect(ready.status).toBe(200);
  expect(ready.headers.get(PROXY_TLS_IDENTITY_HEADER)).toBe(
    meshIdentity(detail.workload.serviceAccount, 'demo'),
  );
  const before = recordedProcesses(controller.stateDir);
  expect(before.filter(isAlive).length).toBeGreaterThanOrEqual(8); // 6 apps, 1 proxy, the balancer

  await controller.stop('SIGTERM');
  expect(livePids(controller.stateDir)).toEqual([]);
  expect(before.filter(isAlive)).toEqual([]);

  api = await controller.start();
  const w = (await api.workloads.list.query({ namespace: 'demo' })).find((x) => x.name === 'catalog');
  expect(w).toMatchObject({ meshed: true, meshState: 'meshed', meshedReplicas: 1, readyReplicas: 1 });
  const others = (await api.workloads.list.query({})).filter((x) => x.name !== 'catalog');
  expect(others.every((x) => !x.meshed)).toBe(true);
}, 150_000);

it('SIGKILL of the controller does not stop meshed traffic, and the next controller takes the pods over', async () => {
  let api = await controller.running();
  const ip = await trafficIp(api);
  await waitFor('the generator to see successes', async () => (await trafficStats(ip)).ok > 5, 30_000);
  const pods = podRecords(controller.stateDir).map((p) => [p.name, p.app?.pid, p.proxy?.pid]);

  const before = await trafficStats(ip);
  await controller.stop('SIGKILL');
  await new Promise((r) => setTimeout(r, 3000));
  const during = await trafficStats(ip);
  expect(during.ok - before.ok).toBeGreaterThan(10);
  expect(during.errors - before.errors, JSON.stringify(during.lastErrors)).toBe(0);

  api = await controller.start();
  const after = podRecords(controller.stateDir).map((p) => [p.name, p.app?.pid, p.proxy?.pid]);
  expect(after.sort()).toEqual(pods.sort());
  const listed = await api.pods.list.query({ namespace: 'demo' });
  expect(listed.every((p) => p.ready && p.restarts === 0)).toBe(true);
  expect(listed.find((p) => p.workload === 'catalog')?.meshed).toBe(true);
  const settled = await trafficStats(ip);
  expect(settled.errors - before.errors, JSON.stringify(settled.lastErrors)).toBe(0);

  // The adopted pods are supervised again: a crash is seen and restarted.
  const inventory = podRecords(controller.stateDir).find((p) => p.workload === 'inventory');
  process.kill(inventory?.app?.pid ?? 0, 'SIGKILL');
  await waitFor(
    'the adopted inventory pod to be restarted',
    async () => {
      const [p] = await api.pods.list.query({ namespace: 'demo', workload: 'inventory' });
      return p?.restarts === 1 && p.ready;
    },
    30_000,
  );
}, 150_000);
