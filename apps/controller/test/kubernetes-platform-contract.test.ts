// The Kubernetes platform passes the Platform contract against the fake API server,
// whose test-support controllers run the Deployment's pods and the Service's endpoints.
import { KubernetesPlatform } from '../src/platform/kubernetes/kubernetes-platform.ts';
import { waitFor } from './demo-harness.ts';
import { FakeCluster } from './kube/cluster.ts';
import { fakeKubeConfig } from './kube/kubeconfig.ts';
import { FakeApiServer } from './kube/server.ts';
import { describePlatformContract } from './platform-contract.ts';

describePlatformContract('kubernetes', async () => {
  const server = new FakeApiServer({ bookmarkMs: 1000 });
  const url = await server.listen();
  const cluster = new FakeCluster(server);
  await server.create('v1', 'Namespace', undefined, { metadata: { name: 'contract' } });
  await server.create('apps/v1', 'Deployment', 'contract', {
    metadata: { name: 'hello', labels: { app: 'hello' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'hello' } },
      template: {
        metadata: { labels: { app: 'hello' } },
        spec: {
          containers: [
            { name: 'hello', image: 'example/hello:1', ports: [{ name: 'http', containerPort: 8080 }] },
          ],
        },
      },
    },
  });
  await server.create('v1', 'Service', 'contract', {
    metadata: { name: 'hello' },
    spec: { selector: { app: 'hello' }, ports: [{ port: 80, targetPort: 'http' }], clusterIP: '10.96.0.10' },
  });
  const platform = new KubernetesPlatform(fakeKubeConfig(url));
  await platform.start();
  const workload = { namespace: 'contract', name: 'hello' };
  await waitFor('hello to be ready', () => platform.getWorkload(workload)?.readyReplicas === 1);
  await waitFor('its endpoint', () => platform.listEndpoints(workload)[0]?.endpoints.length === 1);
  return {
    platform,
    workload,
    service: workload,
    cleanup: async () => {
      await platform.stop({ stopWorkloads: true });
      cluster.stop();
      await server.close();
    },
  };
});
