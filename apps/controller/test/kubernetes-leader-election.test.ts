// Two controller processes on the Kubernetes platform (against the fake API server)
// elect one leader with a coordination.k8s.io Lease; both serve reads; when the leader
// is killed (SIGKILL, no goodbye) the other takes the Lease within 15 s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControllerProcess, waitFor } from './demo-harness.ts';
import { FakeCluster } from './kube/cluster.ts';
import { leaseHolder, startReplica } from './kube/replicas.ts';
import { FakeApiServer } from './kube/server.ts';

let server: FakeApiServer;
let cluster: FakeCluster;
let dir: string;
const controllers: Record<string, ControllerProcess> = {};

const holder = () => leaseHolder(server);

async function start(name: string) {
  controllers[name] = await startReplica(dir, name, { WEFT_AUTH: 'off' });
}

beforeAll(async () => {
  server = new FakeApiServer();
  const url = await server.listen();
  cluster = new FakeCluster(server);
  dir = mkdtempSync(join(tmpdir(), 'weft-election-'));
  writeFileSync(
    join(dir, 'kubeconfig'),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'test', user: { token: 'test' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'test' } }],
      'current-context': 'fake',
    }),
  );
  for (const ns of ['weft', 'demo'])
    await server.create('v1', 'Namespace', undefined, { metadata: { name: ns } });
  await server.create('apps/v1', 'Deployment', 'demo', {
    metadata: { name: 'web' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'example/web:1' }] },
      },
    },
  });
  await start('controller-a');
  await waitFor('controller-a to lead', () => holder() === 'controller-a', 30_000);
  await start('controller-b');
}, 90_000);

afterAll(async () => {
  for (const c of Object.values(controllers)) {
    if (c.child.exitCode === null) c.child.kill('SIGKILL');
    await c.exited;
  }
  cluster?.stop();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('two controller replicas', () => {
  it('both serve reads while one holds the Lease', async () => {
    for (const name of ['controller-a', 'controller-b']) {
      const c = controllers[name] as ControllerProcess;
      const body = await waitFor(
        `${name} to list the workload`,
        async () => {
          const res = await fetch(`${c.url}/trpc/workloads.list`);
          const json = (await res.json()) as { result?: { data: { name: string }[] } };
          return json.result?.data.some((w) => w.name === 'web') ? json : undefined;
        },
        20_000,
      );
      expect(body.result?.data.map((w) => w.name)).toEqual(['web']);
    }
    expect(holder()).toBe('controller-a');
    await new Promise((r) => setTimeout(r, 1500));
    expect(holder()).toBe('controller-a');
  });

  it('hands the Lease to the other within 15 s when the leader is killed', async () => {
    const a = controllers['controller-a'] as ControllerProcess;
    a.child.kill('SIGKILL');
    await a.exited;
    const killedAt = Date.now();
    await waitFor('controller-b to take the Lease', () => holder() === 'controller-b', 20_000);
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    await waitFor('controller-b to say it leads', () =>
      (controllers['controller-b'] as ControllerProcess).output().includes('controller-b leads'),
    );
  }, 40_000);
});
