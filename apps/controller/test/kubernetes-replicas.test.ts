// Two controller processes on the Kubernetes platform share their state through the
// cluster (the fake API server): a policy applied through one replica's API is written
// as its custom resource and served, with its history, by the other; a canary started
// on the Lease holder is seen by the other replica and, once the holder is killed
// (SIGKILL), resumed by it within 15 s, still running.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyCrds } from '../src/install/crds.ts';
import { FOREIGN_POLICY_KINDS } from '../src/platform/kubernetes/policy-resources.ts';
import { type ControllerProcess, waitFor } from './demo-harness.ts';
import { FakeCluster } from './kube/cluster.ts';
import { writeFakeKubeconfig } from './kube/kubeconfig.ts';
import { leaseHolder, startReplica } from './kube/replicas.ts';
import { FakeApiServer } from './kube/server.ts';

let server: FakeApiServer;
let cluster: FakeCluster;
let dir: string;
const controllers: Record<string, ControllerProcess> = {};

const holder = () => leaseHolder(server);

const ROUTE = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'web-split', namespace: 'demo' },
  spec: {
    parentRefs: [{ group: 'core', kind: 'Service', name: 'web', port: 80 }],
    rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
  },
};

const CANARY = {
  namespace: 'demo',
  service: 'inventory',
  port: 8080,
  stable: 'inventory',
  canary: 'inventory-v2',
  steps: [10, 100],
  // Held for longer than the test: the canary stays at its first step.
  holdSeconds: 600,
  gates: { minSuccessRate: 0.95, maxP99Ms: 500 },
};

async function call<T>(
  c: ControllerProcess,
  procedure: string,
  input?: unknown,
  mutation = false,
): Promise<T> {
  const url = `${c.url}/trpc/${procedure}${!mutation && input !== undefined ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ''}`;
  const res = await fetch(
    url,
    mutation
      ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) }
      : {},
  );
  const body = (await res.json()) as {
    result?: { data: T };
    error?: { message: string; data?: { meshCode?: string } };
  };
  if (!body.result)
    throw Object.assign(new Error(`${procedure}: ${body.error?.message ?? res.status}`), {
      meshCode: body.error?.data?.meshCode,
    });
  return body.result.data;
}

async function start(name: string) {
  controllers[name] = await startReplica(dir, name, { WEFT_AUTH: 'off' });
}

async function deployment(name: string, port: number, meshed: boolean) {
  await server.create('apps/v1', 'Deployment', 'demo', {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name, image: `example/${name}:1`, ports: [{ containerPort: port }] },
            ...(meshed ? [{ name: 'weft-proxy', image: 'weft/proxy:test' }] : []),
          ],
        },
      },
    },
  });
  await server.create('v1', 'Service', 'demo', {
    metadata: { name },
    spec: { selector: { app: name }, ports: [{ name: 'http', port, targetPort: port }] },
  });
}

beforeAll(async () => {
  server = new FakeApiServer();
  const url = await server.listen();
  cluster = new FakeCluster(server);
  dir = mkdtempSync(join(tmpdir(), 'weft-replicas-'));
  writeFakeKubeconfig(join(dir, 'kubeconfig'), url);
  for (const crd of policyCrds())
    await server.create('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, crd);
  const httpRoute = FOREIGN_POLICY_KINDS.find(
    (k) => k.group === 'gateway.networking.k8s.io' && k.kind === 'HTTPRoute',
  );
  if (!httpRoute) throw new Error('no HTTPRoute kind');
  await server.create('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, {
    metadata: { name: `${httpRoute.plural}.${httpRoute.group}` },
    spec: {
      group: httpRoute.group,
      scope: 'Namespaced',
      names: { plural: httpRoute.plural, kind: httpRoute.kind, singular: 'httproute' },
      versions: [
        {
          name: httpRoute.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  });
  for (const ns of ['weft', 'demo'])
    await server.create('v1', 'Namespace', undefined, { metadata: { name: ns } });
  await deployment('web', 80, false);
  await deployment('inventory', 8080, true);
  await deployment('inventory-v2', 8080, true);
  await start('controller-a');
  await waitFor('controller-a to lead', () => holder() === 'controller-a', 30_000);
  await start('controller-b');
  for (const c of Object.values(controllers))
    await waitFor(
      'both replicas to see the meshed canary workload',
      async () =>
        (await call<{ name: string; meshedReplicas: number }[]>(c, 'workloads.list')).some(
          (w) => w.name === 'inventory-v2' && w.meshedReplicas > 0,
        ),
      20_000,
    );
}, 120_000);

afterAll(async () => {
  for (const c of Object.values(controllers)) {
    if (c.child.exitCode === null) c.child.kill('SIGKILL');
    await c.exited;
  }
  cluster?.stop();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Listed = { document: { kind: string; metadata: { name: string } } }[];
type Revisions = { revision: number; author: string; summary: string }[];
type CanaryView = {
  id: string;
  phase: string;
  weight: number;
  events?: { kind: string; message: string }[];
};

describe('two replicas sharing the cluster', () => {
  it('serve on one replica a policy applied through the other, with its history', async () => {
    const a = controllers['controller-a'] as ControllerProcess;
    const b = controllers['controller-b'] as ControllerProcess;
    // Through the replica that does not hold the Lease. Until its first list of HTTPRoutes
    // succeeds (on a loaded machine the first can fail and is tried again 2 s later), it
    // refuses the apply as not ready (WEFT_NOT_READY) and changes nothing; a user would try
    // again, and so does this.
    await waitFor(
      'controller-b to accept the HTTPRoute',
      () =>
        call(b, 'policies.applyYaml', { yaml: JSON.stringify(ROUTE) }, true).then(
          () => true,
          (err: Error & { meshCode?: string }) => {
            if (err.meshCode === 'WEFT_NOT_READY') return false;
            throw err;
          },
        ),
      15_000,
    );
    const resource = await waitFor(
      'the HTTPRoute in the cluster',
      () => server.store.get('gateway.networking.k8s.io/v1/httproutes', 'demo', 'web-split'),
      10_000,
    );
    expect(resource.spec).toEqual(ROUTE.spec);
    const appliedBy = (resource.metadata.annotations as Record<string, string> | undefined)?.[
      'weft.dev/applied-by'
    ];
    expect(appliedBy).toMatch(/\S/);
    expect(appliedBy).not.toBe('kubernetes');
    await waitFor(
      'controller-a to serve the route',
      async () =>
        (await call<Listed>(a, 'policies.list', {})).some((i) => i.document.metadata.name === 'web-split'),
      10_000,
    );
    const history = await waitFor(
      'the apply in the history on both replicas',
      async () => {
        const [ra, rb] = [
          await call<Revisions>(a, 'policies.revisions'),
          await call<Revisions>(b, 'policies.revisions'),
        ];
        const seen = (r: Revisions) => r.some((x) => x.summary.includes('web-split'));
        return seen(ra) && seen(rb) && JSON.stringify(ra) === JSON.stringify(rb) ? ra : undefined;
      },
      15_000,
    );
    // The leader's history names who applied it on the other replica.
    expect(history.find((r) => r.summary.includes('web-split'))?.author).toBe(appliedBy);
    expect(server.store.get('v1/configmaps', 'weft', 'weft-state-policies')).toBeDefined();
    // The next sync keeps it (the cluster is where it lives now).
    await new Promise((r) => setTimeout(r, 1500));
    expect(
      (await call<Listed>(b, 'policies.list', {})).some((i) => i.document.metadata.name === 'web-split'),
    ).toBe(true);
  }, 60_000);

  it('refuses an annotation overlay on the replica not holding the Lease, and keeps one applied on the leader', async () => {
    const a = controllers['controller-a'] as ControllerProcess;
    const b = controllers['controller-b'] as ControllerProcess;
    const overlay = (timeout: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'demo', annotations: { 'timeout.weft.dev/request': timeout } },
      });
    await expect(call(b, 'policies.applyYaml', { yaml: overlay('3s') }, true)).rejects.toThrow(
      /Service demo\/web: on Kubernetes annotation overlays are kept by the controller replica holding the weft-controller Lease/,
    );
    await call(a, 'policies.applyYaml', { yaml: overlay('4s') }, true);
    await waitFor(
      "controller-b to serve the leader's overlay",
      async () =>
        (await call<Listed>(b, 'policies.list', {})).some(
          (i) => i.document.kind === 'Service' && i.document.metadata.name === 'web',
        ),
      10_000,
    );
  }, 30_000);

  it('hands a running canary to the other replica within 15 s of the leader being killed', async () => {
    const a = controllers['controller-a'] as ControllerProcess;
    const b = controllers['controller-b'] as ControllerProcess;
    const started = await call<CanaryView>(a, 'canaries.start', CANARY, true);
    expect(started).toMatchObject({ phase: 'running', weight: 10 });
    await waitFor(
      'controller-b to show the canary',
      async () => (await call<CanaryView[]>(b, 'canaries.list', {})).some((c) => c.id === started.id),
      10_000,
    );
    await waitFor(
      'the canary route in the cluster',
      () => server.store.get('gateway.networking.k8s.io/v1/httproutes', 'demo', 'inventory-canary'),
      10_000,
    );
    a.child.kill('SIGKILL');
    await a.exited;
    const killedAt = Date.now();
    await waitFor('controller-b to take the Lease', () => holder() === 'controller-b', 20_000);
    const resumed = await waitFor(
      'controller-b to resume the canary',
      async () => {
        const c = await call<CanaryView>(b, 'canaries.get', { id: started.id });
        return c.events?.some((e) => e.kind === 'resumed') ? c : undefined;
      },
      20_000,
    );
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    expect(resumed).toMatchObject({ phase: 'running', weight: 10 });
    expect(resumed.events?.find((e) => e.kind === 'resumed')?.message).toMatch(
      /^another controller replica took over: holding step 1 at 10 %/,
    );
    expect(b.output()).toContain('controller-b leads');
  }, 60_000);
});
