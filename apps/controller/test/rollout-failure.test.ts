// A mesh rollout whose new pod never becomes ready stops with a clear, failed status
// while the old pod keeps serving; unmeshing then removes the broken pod.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCaller } from '../src/api/router.ts';
import { createContext } from '../src/api/trpc.ts';
import { IN_PROCESS_ADMIN } from '../src/auth/caller.ts';
import { Destination } from '../src/destination/destination.ts';
import { LocalPlatform } from '../src/platform/local/local-platform.ts';
import { StateStore } from '../src/state/store.ts';
import { REPO_ROOT, reserveOctet, waitFor } from './demo-harness.ts';

const SERVER = `require('node:http').createServer((q, s) => s.end('hello from ' + process.env.HOSTNAME_IP)).listen(+process.env.PORT, process.env.HOST)`;
const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: echo, namespace: lab }
spec:
  replicas: 1
  selector: { matchLabels: { app: echo } }
  template:
    metadata: { labels: { app: echo } }
    spec:
      containers:
        - name: echo
          image: example/echo:1
          command: [node, -e, ${JSON.stringify(SERVER)}]
          env:
            - name: HOSTNAME_IP
              valueFrom: { fieldRef: { fieldPath: status.podIP } }
          ports: [{ containerPort: 8080 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: misplaced, namespace: lab }
spec:
  selector: { matchLabels: { app: misplaced } }
  template:
    metadata: { labels: { app: misplaced } }
    spec:
      containers:
        - name: misplaced
          image: example/misplaced:1
          workingDir: /etc
          command: [node, -e, "setInterval(() => {}, 1000)"]
---
apiVersion: v1
kind: Service
metadata: { name: echo, namespace: lab }
spec:
  selector: { app: echo }
  ports: [{ port: 80, targetPort: 8080 }]
`;

let dir: string;
let platform: LocalPlatform;
let caller: ReturnType<typeof createCaller>;
const echo = { namespace: 'lab', name: 'echo' };
let octet = 0;

/** Starts a local platform on the manifests and state in `dir` (again: a controller restart). */
async function startPlatform(): Promise<void> {
  platform = new LocalPlatform({
    manifestsDir: dir,
    workdir: dir,
    store: new StateStore(join(dir, 'state')),
    podOctet: octet,
    serviceOctet: octet,
    proxyMain: join(dir, 'broken-proxy.mjs'),
    repoRoot: REPO_ROOT,
    hostEnv: { PATH: process.env.PATH ?? '' },
    readyTimeoutMs: 20_000,
    drainDelayMs: 200,
  });
  caller = createCaller(
    createContext(
      { platform, destination: new Destination(platform), startedAt: 0, version: 'test' },
      IN_PROCESS_ADMIN,
    ),
  );
  await platform.start();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-rollout-'));
  writeFileSync(join(dir, 'echo.yaml'), MANIFEST);
  // A proxy that dies at once: every meshed pod crash-loops.
  writeFileSync(join(dir, 'broken-proxy.mjs'), "console.error('broken proxy: exiting'); process.exit(3);\n");
  octet = await reserveOctet();
  await startPlatform();
  await waitFor(
    'the echo pod to be ready',
    async () => (await caller.workloads.get(echo)).workload.readyReplicas === 1,
  );
}, 60_000);

afterAll(async () => {
  await platform?.stop({ stopWorkloads: true });
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

async function viaService(): Promise<string> {
  const [svc] = await caller.services.list({ namespace: 'lab' });
  const res = await fetch(`http://${svc?.clusterIP}:80/`, { signal: AbortSignal.timeout(2000) });
  return res.text();
}

it('stops the rollout with a failed status when the new pod never becomes ready; the old pod keeps serving', async () => {
  const [oldPod] = await caller.pods.list({ namespace: 'lab', workload: 'echo' });
  expect(await viaService()).toBe(`hello from ${oldPod?.ip}`);

  await caller.workloads.mesh(echo);
  const failed = await waitFor(
    'the rollout to fail',
    () => {
      const p = platform.rolloutStatus(echo);
      return p.state === 'failed' ? p : undefined;
    },
    30_000,
  );
  expect(failed.message).toMatch(
    /rollout stopped: pod echo-\w+-\w+ keeps crashing \(\d+ restarts; last exit: code 3/,
  );
  expect(failed.message).toMatch(/the old pods keep serving/);
  expect(failed).toMatchObject({ action: 'mesh', total: 1, ready: 0 });

  const detail = await caller.workloads.get(echo);
  expect(detail.workload.meshState).toBe('failed');
  const old = detail.pods.find((p) => p.name === oldPod?.name);
  expect(old).toMatchObject({ ready: true, meshed: false });
  expect(await viaService()).toBe(`hello from ${oldPod?.ip}`);
  const broken = detail.pods.find((p) => p.meshed);
  const proxyLog = await caller.pods.logs({ namespace: 'lab', name: broken?.name ?? '', container: 'proxy' });
  expect(proxyLog.lines).toContain('broken proxy: exiting');
}, 60_000);

it('unmeshing after the failure removes the broken pod and leaves the old one serving', async () => {
  const listed = await caller.pods.list({ namespace: 'lab', workload: 'echo' });
  const [oldPod] = listed.filter((p) => !p.meshed);
  const broken = listed.find((p) => p.meshed);
  await caller.workloads.unmesh(echo);
  await waitFor('the unmesh to complete', () => platform.rolloutStatus(echo).state === 'complete', 30_000);
  const pods = await caller.pods.list({ namespace: 'lab', workload: 'echo' });
  expect(pods.map((p) => [p.name, p.meshed, p.ready])).toEqual([[oldPod?.name, false, true]]);
  expect((await caller.workloads.get(echo)).workload.meshState).toBe('unmeshed');
  expect(await viaService()).toBe(`hello from ${oldPod?.ip}`);
  // once the broken pod has stopped, its logs are still there to say why it failed
  await waitFor('the broken pod to have stopped', () =>
    existsSync(join(dir, 'state', 'stopped-pods', 'lab', 'echo', broken?.name ?? '')),
  );
  const proxyLog = await caller.pods.logs({ namespace: 'lab', name: broken?.name ?? '', container: 'proxy' });
  expect(proxyLog.lines).toContain('broken proxy: exiting');
  // and the workload lists it among its stopped pods
  const stopped = await caller.pods.stopped({ namespace: 'lab', workload: 'echo' });
  expect(stopped.map((p) => p.name)).toContain(broken?.name);
  expect(stopped.find((p) => p.name === broken?.name)).toMatchObject({ namespace: 'lab', workload: 'echo' });
  const running = await caller.pods.logs({ namespace: 'lab', name: oldPod?.name ?? '' });
  expect(running.lines.join('\n')).not.toContain('broken proxy');
}, 60_000);

it('counts a container that cannot start as a crash, says why in its log, and reports the workload unhealthy', async () => {
  const pod = await waitFor('the misplaced pod to have failed to start twice', async () => {
    const [p] = await caller.pods.list({ namespace: 'lab', workload: 'misplaced' });
    return p && p.restarts >= 2 ? p : undefined;
  });
  expect(pod).toMatchObject({ ready: false, phase: 'Pending' });
  const { lines } = await caller.pods.logs({ namespace: 'lab', name: pod.name });
  expect(lines[0]).toMatch(/cannot start app: container misplaced: workingDir \/etc is outside \/app/);
  const health = await caller.health.get();
  expect(health.status).toBe('degraded');
  expect(health.problems).toContain('lab/misplaced: 0 of 1 replicas ready');
}, 30_000);

it("deletes a workload's kept logs, and its pods' logs, when the workload is deleted from the manifests", async () => {
  const [running] = await caller.pods.list({ namespace: 'lab', workload: 'echo' });
  const [stopped] = await caller.pods.stopped({ namespace: 'lab', workload: 'echo' });
  expect(running && stopped).toBeTruthy();
  // the controller restarts with the echo Deployment (and its Service) gone
  await platform.stop({ stopWorkloads: false });
  writeFileSync(join(dir, 'echo.yaml'), MANIFEST.split('\n---\n')[1] ?? '');
  await startPlatform();
  expect(platform.getWorkload(echo)).toBeUndefined();
  // its running pod is stopped, and neither its logs nor the stopped pod's are kept
  await waitFor('the echo pod to have stopped', () =>
    existsSync(join(dir, 'state', 'pods', 'lab', running?.name ?? '')) ? undefined : true,
  );
  expect(existsSync(join(dir, 'state', 'stopped-pods', 'lab', 'echo'))).toBe(false);
  expect(await caller.pods.stopped({ namespace: 'lab', workload: 'echo' })).toEqual([]);
  for (const name of [running?.name ?? '', stopped?.name ?? '']) {
    await expect(caller.pods.logs({ namespace: 'lab', name })).rejects.toThrow(/not found/);
  }
  // the other workload's pods run on
  expect(await caller.pods.list({ namespace: 'lab', workload: 'misplaced' })).toHaveLength(1);
}, 60_000);
