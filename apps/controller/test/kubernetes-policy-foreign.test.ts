// Gateway API and Linkerd policy resources on the Kubernetes platform, against the fake
// API server: an HTTPRoute (gateway.networking.k8s.io) and Linkerd's Server,
// MeshTLSAuthentication and AuthorizationPolicy (policy.linkerd.io) become documents of
// the controller's policy store, a CRD installed after the controller started is picked
// up, kinds whose CRDs are absent (GRPCRoute here) stop nothing, the controller writes no
// status it does not own, and a deleted route leaves the store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesPlatform } from '../src/platform/kubernetes/kubernetes-platform.ts';
import { FOREIGN_POLICY_KINDS, type WatchedKind } from '../src/platform/kubernetes/policy-resources.ts';
import { PolicyService } from '../src/policy/service.ts';
import { StateStore } from '../src/state/store.ts';
import { waitFor } from './demo-harness.ts';
import { fakeKubeConfig } from './kube/kubeconfig.ts';
import { FakeApiServer } from './kube/server.ts';

let server: FakeApiServer;
let platform: KubernetesPlatform;
let policy: PolicyService;
let dir: string;

/** A CRD as the upstream ones declare the kind (schema left open: the store validates). */
function crd(k: WatchedKind) {
  return {
    metadata: { name: `${k.plural}.${k.group}` },
    spec: {
      group: k.group,
      scope: 'Namespaced',
      names: { plural: k.plural, kind: k.kind, singular: k.kind.toLowerCase() },
      versions: [
        {
          name: k.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}
const kindOf = (group: string, kind: string) =>
  FOREIGN_POLICY_KINDS.find((k) => k.group === group && k.kind === kind) as WatchedKind;
const installCrd = (k: WatchedKind) =>
  server.create('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, crd(k));
const stored = (kind: string, name: string) =>
  policy.list('demo').find((i) => i.document.kind === kind && i.document.metadata.name === name);

beforeAll(async () => {
  server = new FakeApiServer();
  const url = await server.listen();
  for (const kind of ['Server', 'MeshTLSAuthentication', 'AuthorizationPolicy'])
    await installCrd(kindOf('policy.linkerd.io', kind));
  await server.create('v1', 'Namespace', undefined, { metadata: { name: 'demo' } });
  await server.create('v1', 'Service', 'demo', {
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  });
  await server.create('apps/v1', 'Deployment', 'demo', {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'example/web:1', ports: [{ containerPort: 8080 }] }] },
      },
    },
  });
  dir = mkdtempSync(join(tmpdir(), 'weft-policy-foreign-'));
  platform = new KubernetesPlatform(fakeKubeConfig(url));
  policy = new PolicyService({ platform, state: new StateStore(dir) });
  platform.attachPolicies(policy);
  await platform.start();
}, 60_000);

afterAll(async () => {
  await platform?.stop({ stopWorkloads: false });
  policy?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Gateway API and Linkerd policy resources', () => {
  it("feed Linkerd's authorization kinds into the store, with no status written back", async () => {
    await server.create('policy.linkerd.io/v1beta1', 'Server', 'demo', {
      metadata: { name: 'web-http' },
      spec: { podSelector: { matchLabels: { app: 'web' } }, port: 8080, proxyProtocol: 'HTTP/1' },
    });
    await server.create('policy.linkerd.io/v1alpha1', 'MeshTLSAuthentication', 'demo', {
      metadata: { name: 'demo-accounts' },
      spec: { identityRefs: [{ kind: 'Namespace', name: 'demo' }] },
    });
    await server.create('policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', 'demo', {
      metadata: { name: 'web-from-demo' },
      spec: {
        targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'web-http' },
        requiredAuthenticationRefs: [
          { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'demo-accounts' },
        ],
      },
    });
    await waitFor(
      'the three documents in the store',
      () =>
        !!stored('Server', 'web-http') &&
        !!stored('MeshTLSAuthentication', 'demo-accounts') &&
        !!stored('AuthorizationPolicy', 'web-from-demo'),
      20_000,
    );
    expect(stored('Server', 'web-http')?.document.apiVersion).toBe('policy.linkerd.io/v1beta1');
    expect(stored('Server', 'web-http')?.status.ref).toMatchObject({ group: 'policy.linkerd.io' });
    expect(server.store.get('policy.linkerd.io/v1beta1/servers', 'demo', 'web-http')?.status).toBeUndefined();
  });

  it('reads an HTTPRoute once its CRD is installed, and forgets it once deleted', async () => {
    await installCrd(kindOf('gateway.networking.k8s.io', 'HTTPRoute'));
    await server.create('gateway.networking.k8s.io/v1', 'HTTPRoute', 'demo', {
      metadata: { name: 'web-route' },
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'web', port: 80 }],
        rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
      },
    });
    await waitFor('the route in the store', () => !!stored('HTTPRoute', 'web-route'), 20_000);
    expect(stored('HTTPRoute', 'web-route')?.document.apiVersion).toBe('gateway.networking.k8s.io/v1');
    const res = await fetch(
      `${server.url}/apis/gateway.networking.k8s.io/v1/namespaces/demo/httproutes/web-route`,
      { method: 'DELETE' },
    );
    expect(res.status).toBe(200);
    await waitFor('the route to leave the store', () => !stored('HTTPRoute', 'web-route'), 20_000);
    // The Linkerd documents are still there: only what left the cluster leaves the store.
    expect(stored('Server', 'web-http')).toBeDefined();
  }, 40_000);

  it('refuses through the API a kind whose CRD the cluster lacks, naming it and changing nothing', async () => {
    const before = policy.revision;
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'web-grpc', namespace: 'demo' },
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'web', port: 80 }],
        rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
      },
    };
    let refused: unknown;
    try {
      policy.apply(JSON.stringify(route), { author: 'alice' });
    } catch (err) {
      refused = err;
    }
    expect(refused).toMatchObject({
      code: 'WEFT_UNAVAILABLE',
      message: expect.stringMatching(
        /GRPCRoute demo\/web-grpc: .*grpcroutes\.gateway\.networking\.k8s\.io\/v1 .*CRD/,
      ),
    });
    expect(policy.revision).toBe(before);
    expect(stored('GRPCRoute', 'web-grpc')).toBeUndefined();
  });
});
