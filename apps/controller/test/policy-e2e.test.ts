// Traffic policy end to end: the real controller as its own process running the demo,
// catalog meshed, and requests sent through catalog's own proxy to the inventory
// Service. Applying a split moves the traffic to inventory-v2, the proxy reports the
// revision it runs, and with the controller killed the last policy stays enforced.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { DemoController, plainRequest } from './controller-fixture.ts';
import { waitFor } from './demo-harness.ts';

const controller = new DemoController();
const catalog = { namespace: 'demo', name: 'catalog' };

const SPLIT = (v1: number, v2: number) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: inventory-split, namespace: demo }
spec:
  parentRefs: [{ group: core, kind: Service, name: inventory, port: 8080 }]
  rules:
    - backendRefs:
        - { name: inventory, port: 8080, weight: ${v1} }
        - { name: inventory-v2, port: 8080, weight: ${v2} }
`;

/** One request through a proxy's outbound listener, as the demo's HTTP client sends it (absolute form). */
function viaProxy(proxy: string, target: string, path: string): Promise<{ status: number; body: string }> {
  const at = proxy.lastIndexOf(':');
  return plainRequest(proxy.slice(0, at), Number(proxy.slice(at + 1)), `http://${target}${path}`, {
    hostHeader: target,
  });
}

/** Sends `n` requests to inventory through the proxy; counts the versions that answered 200. */
async function versions(proxy: string, target: string, n: number) {
  const counts = { v1: 0, v2: 0, failed: 0 };
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, (_, j) => viaProxy(proxy, target, `/stock/book-${i + j}`)),
    );
    for (const r of batch) {
      if (r.status !== 200) counts.failed += 1;
      else if ((JSON.parse(r.body) as { version?: string }).version === 'v2') counts.v2 += 1;
      else counts.v1 += 1;
    }
  }
  return counts;
}

beforeAll(() => controller.prepare(), 10_000);
afterAll(() => controller.dispose(), 120_000);

it('moves traffic with a split, reports the revision, and keeps the policy with the controller killed', async () => {
  const api = await controller.start();
  await api.workloads.mesh.mutate(catalog);
  await waitFor(
    'catalog to be meshed',
    async () => (await api.workloads.get.query(catalog)).workload.meshState === 'meshed',
    60_000,
  );
  const [pod] = await api.pods.list.query({ namespace: 'demo', workload: 'catalog' });
  const inventory = (await api.services.list.query({ namespace: 'demo' })).find(
    (s) => s.name === 'inventory',
  );
  expect(pod?.meshed).toBe(true);
  const proxy = `${pod?.ip}:4140`;
  const target = `${inventory?.clusterIP}:8080`;

  const before = await versions(proxy, target, 100);
  expect(before.v2, JSON.stringify(before)).toBe(0);
  expect(before.v1).toBeGreaterThan(80);

  // All to v2 (weight 0 for v1 is allowed; all-zero is not).
  const applied = await api.policies.applyYaml.mutate({ yaml: SPLIT(0, 100) });
  await waitFor(
    'the proxy to route to inventory-v2',
    async () => (await versions(proxy, target, 10)).v2 === 10,
    15_000,
  );
  const after = await versions(proxy, target, 200);
  expect(after.v1, JSON.stringify(after)).toBe(0);
  expect(after.v2).toBeGreaterThan(190);
  const propagation = await waitFor(
    'catalog’s proxy to report the revision',
    async () => {
      const p = await api.policies.propagation.query({ revision: applied.revision });
      return p.proxies.some((x) => x.pod === pod?.name && x.revision === applied.revision) && p;
    },
    15_000,
  );
  expect(propagation.applied).toBeGreaterThanOrEqual(1);

  // 90/10 over 1,000 requests: within ±5 points (the proxy's own tests hold it to ±3 over 2,000).
  const split = await api.policies.applyYaml.mutate({ yaml: SPLIT(90, 10) });
  await waitFor(
    'the 90/10 revision to reach the proxy',
    async () => {
      const p = await api.policies.propagation.query({ revision: split.revision });
      return p.proxies.some((x) => x.pod === pod?.name && x.revision === split.revision);
    },
    15_000,
  );
  const shares = await versions(proxy, target, 1000);
  const v2Share = shares.v2 / (shares.v1 + shares.v2);
  expect(v2Share, JSON.stringify(shares)).toBeGreaterThan(0.05);
  expect(v2Share, JSON.stringify(shares)).toBeLessThan(0.15);

  // Back to all-v2, then the controller dies: the proxy keeps routing by the last policy.
  await api.policies.rollback.mutate({ revision: applied.revision });
  await waitFor(
    'the rollback to reach the proxy',
    async () => (await versions(proxy, target, 20)).v2 === 20,
    15_000,
  );
  await controller.stop('SIGKILL');
  const orphaned = await versions(proxy, target, 200);
  expect(orphaned.v1, JSON.stringify(orphaned)).toBe(0);
  expect(orphaned.v2).toBeGreaterThan(190);
}, 300_000);
