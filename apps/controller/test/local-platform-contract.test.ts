// The local platform passes the Platform contract, on a one-Deployment manifest.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalPlatform } from '../src/platform/local/local-platform.ts';
import { StateStore } from '../src/state/store.ts';
import { helloManifest, REPO_ROOT, reserveOctet, waitFor } from './demo-harness.ts';
import { describePlatformContract } from './platform-contract.ts';

const MANIFEST = helloManifest('contract');

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
