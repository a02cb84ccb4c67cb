// The local platform passes the Platform contract, on a one-Deployment manifest.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalPlatform } from '../src/platform/local/local-platform.ts';
import { StateStore } from '../src/state/store.ts';
import { REPO_ROOT, reserveOctet, waitFor } from './demo-harness.ts';
import { describePlatformContract } from './platform-contract.ts';

const SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(+process.env.PORT, process.env.HOST)`;
const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: hello, namespace: contract }
spec:
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello } }
    spec:
      containers:
        - name: hello
          image: example/hello:1
          command: [node, -e, ${JSON.stringify(SERVER)}]
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /, port: http } }
---
apiVersion: v1
kind: Service
metadata: { name: hello, namespace: contract }
spec:
  selector: { app: hello }
  ports: [{ port: 80, targetPort: http }]
`;

describePlatformContract('local', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-contract-'));
  writeFileSync(join(dir, 'hello.yaml'), MANIFEST);
  const octet = await reserveOctet();
  const platform = new LocalPlatform({
    manifestsDir: dir,
    workdir: dir,
    store: new StateStore(join(dir, 'state')),
    podOctet: octet,
    serviceOctet: octet,
    proxyMain: join(REPO_ROOT, 'apps/proxy/src/main.ts'),
    repoRoot: REPO_ROOT,
    hostEnv: { PATH: process.env.PATH ?? '' },
    drainDelayMs: 200,
  });
  await platform.start();
  const workload = { namespace: 'contract', name: 'hello' };
  await waitFor('hello to be ready', () => platform.getWorkload(workload)?.readyReplicas === 1);
  return {
    platform,
    workload,
    service: workload,
    cleanup: async () => {
      await platform.stop({ stopWorkloads: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
