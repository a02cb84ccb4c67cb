// Meshing on the Kubernetes platform, end to end against the fake API server: the
// platform patches the pod template annotation, the Deployment controller rolls new
// pods, the API server calls the controller's injection webhook over TLS (trusting the
// caBundle of the MutatingWebhookConfiguration) and the pods come up with the proxy and
// the init container; the informers survive a compaction (410 Gone, relist).
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesPlatform } from '../src/platform/kubernetes/kubernetes-platform.ts';
import { type RunningWebhook, startInjectionWebhook } from '../src/platform/kubernetes/webhook.ts';
import { selfSignedServingCert } from '../src/platform/kubernetes/webhook-cert.ts';
import { waitFor } from './demo-harness.ts';
import { FakeCluster } from './kube/cluster.ts';
import { fakeKubeConfig } from './kube/kubeconfig.ts';
import { FakeApiServer } from './kube/server.ts';
import { callMutatingWebhooks } from './kube/webhooks.ts';

const web = { namespace: 'demo', name: 'web' };
let server: FakeApiServer;
let cluster: FakeCluster;
let webhook: RunningWebhook;
let platform: KubernetesPlatform;
let certPem: string;

const podContainers = () =>
  server.store
    .list('v1/pods', 'demo')
    .map((p) =>
      ((p.spec as { containers: { name: string }[] }).containers ?? []).map((c) => c.name).join('+'),
    );

beforeAll(async () => {
  // Watches end every second, so informers re-watch often (and meet 410 after a compaction).
  server = new FakeApiServer({ bookmarkMs: 300, maxWatchMs: 1000 });
  const url = await server.listen();
  callMutatingWebhooks(server);
  cluster = new FakeCluster(server);
  const cert = await selfSignedServingCert({
    dnsNames: ['weft-webhook.weft.svc'],
    ipAddresses: ['127.0.0.1'],
  });
  certPem = cert.certPem;
  platform = new KubernetesPlatform(fakeKubeConfig(url));
  webhook = await startInjectionWebhook({
    ...cert,
    host: '127.0.0.1',
    port: 0,
    config: {
      proxyImage: 'weft/proxy:test',
      initImage: 'weft/init:test',
      controllerUrl: 'http://weft.weft.svc:7090',
    },
    namespaceAnnotations: () => ({}),
  });
  await server.create('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', undefined, {
    metadata: { name: 'weft-injector' },
    webhooks: [
      {
        name: 'inject.weft.dev',
        clientConfig: {
          url: `https://${webhook.address}/inject`,
          caBundle: Buffer.from(cert.certPem).toString('base64'),
        },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
      },
    ],
  });
  await server.create('v1', 'Namespace', undefined, { metadata: { name: 'demo' } });
  await server.create('apps/v1', 'Deployment', 'demo', {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          serviceAccountName: 'web',
          containers: [{ name: 'web', image: 'example/web:1', ports: [{ containerPort: 8080 }] }],
        },
      },
    },
  });
  await platform.start();
  await waitFor('web to run unmeshed', () => platform.getWorkload(web)?.readyReplicas === 2);
}, 60_000);

afterAll(async () => {
  await platform?.stop({ stopWorkloads: false });
  cluster?.stop();
  await webhook?.close();
  await server?.close();
});

describe('meshing on the Kubernetes platform', () => {
  it('meshes: the annotation rolls the pods and the webhook injects the proxy and init container', async () => {
    expect(platform.getWorkload(web)).toMatchObject({
      meshed: false,
      meshState: 'unmeshed',
      meshedReplicas: 0,
    });
    const started = await platform.mesh(web);
    expect(started).toMatchObject({ action: 'mesh', total: 2 });
    const deployment = server.store.get('apps/v1/deployments', 'demo', 'web');
    expect(JSON.stringify(deployment?.spec)).toContain('"weft.dev/inject":"enabled"');
    await waitFor('web meshed', () => platform.getWorkload(web)?.meshState === 'meshed', 30_000);
    expect(platform.getWorkload(web)).toMatchObject({ meshedReplicas: 2, readyReplicas: 2 });
    expect(podContainers()).toEqual(['web+weft-proxy', 'web+weft-proxy']);
    const pod = server.store.list('v1/pods', 'demo')[0] as
      | { spec: { initContainers: { name: string }[] } }
      | undefined;
    expect(pod?.spec.initContainers.map((c) => c.name)).toEqual(['weft-init']);
    expect(platform.rolloutStatus(web)).toMatchObject({ state: 'complete', updated: 2, ready: 2 });
    const pods = platform.listPods('demo', 'web');
    expect(pods.every((p) => p.meshed && p.proxyAdmin === `${p.ip}:4191`)).toBe(true);
  });

  it('refuses a pod with a bad skip-port annotation, naming it, and answers a malformed review 400', async () => {
    const bad = await fetch(`${server.url}/api/v1/namespaces/demo/pods`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        metadata: {
          name: 'odd',
          annotations: { 'weft.dev/inject': 'enabled', 'config.weft.dev/skip-outbound-ports': 'x' },
        },
        spec: { containers: [{ name: 'odd', image: 'example/odd:1' }] },
      }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(
      /admission webhook "inject.weft.dev" denied the request: weft injection: .*outboundPortsToIgnore/,
    );
    expect(server.store.get('v1/pods', 'demo', 'odd')).toBeUndefined();
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpsRequest(
        `https://${webhook.address}/inject`,
        { method: 'POST', ca: certPem },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject);
      req.end('{"kind":"AdmissionReview"}');
    });
    expect(status).toBe(400);
  });

  it('unmeshes back to pods without the proxy', async () => {
    await platform.unmesh(web);
    await waitFor(
      'web unmeshed',
      () => platform.getWorkload(web)?.meshState === 'unmeshed' && podContainers().length === 2,
      30_000,
    );
    expect(podContainers()).toEqual(['web', 'web']);
  });

  it('keeps its view through a compaction: the informers relist after 410 Gone', async () => {
    const lists = () => server.requests.filter((r) => r === 'GET /api/v1/pods').length;
    const before = lists();
    server.store.compact();
    await platform.scale(web, 3);
    await waitFor('three pods seen', () => platform.listPods('demo', 'web').length === 3, 30_000);
    await waitFor('a relist of pods', () => lists() > before, 10_000);
  });
});
