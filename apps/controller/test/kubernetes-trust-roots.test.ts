// The trust anchors in every meshed namespace, against the fake API server: the Lease
// holder keeps a copy of the weft-identity-trust-roots ConfigMap in each namespace with
// meshed pods (not in others), rewrites it when the anchors change, and a replica not
// holding the Lease writes none. Pods admitted once the copy exists mount it as a
// required volume; before, as an optional one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesPlatform } from '../src/platform/kubernetes/kubernetes-platform.ts';
import { selfSignedServingCert } from '../src/platform/kubernetes/webhook-cert.ts';
import { waitFor } from './demo-harness.ts';
import { FakeCluster } from './kube/cluster.ts';
import { fakeKubeConfig } from './kube/kubeconfig.ts';
import { FakeApiServer } from './kube/server.ts';
import { callMutatingWebhooks } from './kube/webhooks.ts';

const web = { namespace: 'demo', name: 'web' };
const ANCHOR_1 = '-----BEGIN CERTIFICATE-----\nMIIB-first\n-----END CERTIFICATE-----\n';
const ANCHOR_2 = `${ANCHOR_1}-----BEGIN CERTIFICATE-----\nMIIB-second\n-----END CERTIFICATE-----\n`;

let server: FakeApiServer;
let cluster: FakeCluster;
let platform: KubernetesPlatform;
let dir: string;
let anchors = ANCHOR_1;
const listeners = new Set<() => void>();

const copy = (ns: string) =>
  server.store.get('v1/configmaps', ns, 'weft-identity-trust-roots') as
    | { data?: Record<string, string>; metadata: { labels?: Record<string, string> } }
    | undefined;

/** The trust-roots volume of each pod of web, by whether it is optional. */
const podVolumes = () =>
  server.store
    .list('v1/pods', 'demo')
    .map(
      (p) =>
        ((p.spec as { volumes?: { name: string; configMap?: { optional?: boolean } }[] }).volumes ?? []).find(
          (v) => v.name === 'weft-identity-trust-roots',
        )?.configMap?.optional,
    );

async function deployment(namespace: string, name: string) {
  await server.create('apps/v1', 'Deployment', namespace, {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: `example/${name}:1` }] },
      },
    },
  });
}

beforeAll(async () => {
  server = new FakeApiServer();
  const url = await server.listen();
  callMutatingWebhooks(server);
  cluster = new FakeCluster(server);
  dir = mkdtempSync(join(tmpdir(), 'weft-trust-roots-'));
  const cert = await selfSignedServingCert({
    dnsNames: ['weft-webhook.weft.svc'],
    ipAddresses: ['127.0.0.1'],
  });
  writeFileSync(join(dir, 'tls.crt'), cert.certPem);
  writeFileSync(join(dir, 'tls.key'), cert.keyPem);
  for (const ns of ['weft', 'demo', 'other'])
    await server.create('v1', 'Namespace', undefined, { metadata: { name: ns } });
  // Another replica holds the Lease (renewed just now, for an hour) until the test takes it away.
  await server.create('coordination.k8s.io/v1', 'Lease', 'weft', {
    metadata: { name: 'weft-controller' },
    spec: {
      holderIdentity: 'controller-x',
      leaseDurationSeconds: 3600,
      renewTime: new Date().toISOString(),
      acquireTime: new Date().toISOString(),
    },
  });
  await deployment('demo', 'web');
  await deployment('other', 'plain');
  platform = new KubernetesPlatform(
    fakeKubeConfig(url),
    {
      host: '127.0.0.1',
      port: 0,
      certFile: join(dir, 'tls.crt'),
      keyFile: join(dir, 'tls.key'),
      proxyImage: 'weft/proxy:test',
      initImage: 'weft/init:test',
      controllerUrl: () => 'http://weft.weft.svc:7090',
    },
    { namespace: 'weft', durationSeconds: 3, retryMs: 200, identity: 'controller-a' },
  );
  platform.attachTrustRoots({
    anchorsPem: () => anchors,
    trustDomain: 'cluster.local',
    onChange: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  });
  await platform.start();
  await server.create('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', undefined, {
    metadata: { name: 'weft-injector' },
    webhooks: [
      {
        name: 'inject.weft.dev',
        clientConfig: {
          url: `https://${platform.webhookAddress}/inject`,
          caBundle: Buffer.from(cert.certPem).toString('base64'),
        },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
      },
    ],
  });
  await waitFor('web to run', () => platform.getWorkload(web)?.readyReplicas === 1);
}, 60_000);

afterAll(async () => {
  await platform?.stop({ stopWorkloads: false });
  cluster?.stop();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('trust roots in every meshed namespace', () => {
  it('are not copied by a replica that does not hold the Lease; its pods get the optional volume', async () => {
    await platform.mesh(web);
    await waitFor('web meshed', () => platform.getWorkload(web)?.meshState === 'meshed', 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(platform.leading).toBe(false);
    expect(copy('demo')).toBeUndefined();
    expect(podVolumes()).toEqual([true]);
  });

  it('are copied by the Lease holder into meshed namespaces only', async () => {
    // controller-x is gone: its Lease expired long ago.
    const lease = server.store.get('coordination.k8s.io/v1/leases', 'weft', 'weft-controller');
    if (!lease) throw new Error('no Lease');
    server.store.update('coordination.k8s.io/v1/leases', {
      ...lease,
      spec: { ...(lease.spec as object), renewTime: new Date(Date.now() - 7200_000).toISOString() },
    });
    await waitFor('controller-a to lead', () => platform.leading, 10_000);
    await waitFor('the copies in demo and weft', () => copy('demo') && copy('weft'), 10_000);
    expect(copy('demo')?.data).toEqual({ 'trust-anchor.pem': ANCHOR_1, 'trust-domain': 'cluster.local' });
    expect(copy('demo')?.metadata.labels).toEqual({ 'weft.dev/trust-roots': 'true' });
    expect(copy('weft')?.data?.['trust-anchor.pem']).toBe(ANCHOR_1);
    expect(copy('other')).toBeUndefined();
  });

  it('makes the volume required for pods admitted once the copy exists', async () => {
    await platform.scale(web, 2);
    await waitFor('two pods', () => podVolumes().length === 2, 30_000);
    expect(podVolumes().sort()).toEqual([false, true]);
  });

  it('rewrites the copies when the anchors change', async () => {
    anchors = ANCHOR_2;
    for (const fn of listeners) fn();
    await waitFor(
      'the new anchors in demo',
      () => copy('demo')?.data?.['trust-anchor.pem'] === ANCHOR_2,
      10_000,
    );
    await waitFor(
      'the new anchors in weft',
      () => copy('weft')?.data?.['trust-anchor.pem'] === ANCHOR_2,
      10_000,
    );
    expect(copy('other')).toBeUndefined();
  });
});
