// Policy custom resources on the Kubernetes platform, against the fake API server with
// the generated CRDs: a resource becomes a document of the controller's policy store,
// its status subresource then carries the store's conditions (Accepted, ResolvedRefs),
// a document the store refuses is marked Accepted False with the reason, and a
// resource deleted from the cluster leaves the store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyCrds } from '../src/install/crds.ts';
import { KubernetesPlatform } from '../src/platform/kubernetes/kubernetes-platform.ts';
import { PolicyService } from '../src/policy/service.ts';
import { StateStore } from '../src/state/store.ts';
import { waitFor } from './demo-harness.ts';
import { FakeCluster } from './kube/cluster.ts';
import { fakeKubeConfig } from './kube/kubeconfig.ts';
import { FakeApiServer } from './kube/server.ts';

let server: FakeApiServer;
let cluster: FakeCluster;
let platform: KubernetesPlatform;
let policy: PolicyService;
let dir: string;

const LIMITS = 'policy.weft.dev/v1alpha1/httplocalratelimitpolicies';
const FAULTS = 'policy.weft.dev/v1alpha1/httpfaults';
type Conditions = { conditions?: { type: string; status: string; reason: string; message: string }[] };
const statusOf = (resource: string, name: string) =>
  (server.store.get(resource, 'demo', name)?.status as Conditions | undefined)?.conditions ?? [];

beforeAll(async () => {
  server = new FakeApiServer();
  const url = await server.listen();
  cluster = new FakeCluster(server);
  for (const crd of policyCrds())
    await server.create('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, crd);
  await server.create('v1', 'Namespace', undefined, { metadata: { name: 'demo' } });
  await server.create('v1', 'Service', 'demo', {
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  dir = mkdtempSync(join(tmpdir(), 'weft-policy-crs-'));
  platform = new KubernetesPlatform(fakeKubeConfig(url));
  policy = new PolicyService({ platform, state: new StateStore(dir) });
  platform.attachPolicies(policy);
  await platform.start();
}, 60_000);

afterAll(async () => {
  await platform?.stop({ stopWorkloads: false });
  policy?.close();
  cluster?.stop();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('policy custom resources', () => {
  it('feed the policy store and get the store’s conditions as status', async () => {
    await server.create('policy.weft.dev/v1alpha1', 'HTTPLocalRateLimitPolicy', 'demo', {
      metadata: { name: 'web-limit' },
      spec: { targetRef: { kind: 'Service', name: 'web' }, total: { requestsPerSecond: 100 } },
    });
    await waitFor('the document in the store', () =>
      policy.list('demo').some((i) => i.document.metadata.name === 'web-limit'),
    );
    await waitFor('its status', () => statusOf(LIMITS, 'web-limit').length > 0, 20_000);
    const stored = policy.list('demo').find((i) => i.document.metadata.name === 'web-limit');
    expect(statusOf(LIMITS, 'web-limit').map(({ type, status }) => ({ type, status }))).toEqual(
      stored?.status.conditions.map(({ type, status }) => ({ type, status })),
    );
    expect(statusOf(LIMITS, 'web-limit').find((c) => c.type === 'Accepted')?.status).toBe('True');
  });

  it('marks a resource the store refuses Accepted False, naming why', async () => {
    await server.create('policy.weft.dev/v1alpha1', 'HTTPFault', 'demo', {
      metadata: { name: 'empty-fault' },
      spec: { targetRef: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'none' } },
    });
    await waitFor('its status', () => statusOf(FAULTS, 'empty-fault').length > 0, 20_000);
    const [accepted] = statusOf(FAULTS, 'empty-fault');
    expect(accepted).toMatchObject({ type: 'Accepted', status: 'False', reason: 'Invalid' });
    expect(accepted?.message).toMatch(/abort or delay/);
    expect(policy.list('demo').some((i) => i.document.metadata.name === 'empty-fault')).toBe(false);
  });

  it('removes from the store what is deleted from the cluster', async () => {
    const res = await fetch(
      `${server.url}/apis/${LIMITS.replace('/httplocal', '/namespaces/demo/httplocal')}/web-limit`,
      {
        method: 'DELETE',
      },
    );
    expect(res.status).toBe(200);
    await waitFor(
      'the document to leave the store',
      () => !policy.list('demo').some((i) => i.document.metadata.name === 'web-limit'),
    );
  });
});
