// WEFT_LOCAL_CAPTURE=netns: the demo on the local platform with each pod in its own
// network namespace. Meshed, its traffic is captured by iptables (no HTTP_PROXY in any
// pod), mTLS'd and counted; a graceful stop leaves no process, namespace or link.
// Root only: otherwise the file says why in one line and its test is skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/api/router.ts';
import { netnsUnavailable } from '../src/platform/local/netns/node-network.ts';
import {
  type ControllerProcess,
  freePort,
  livePids,
  podRecords,
  startControllerProcess,
  tempStateDir,
  trafficStats,
  waitFor,
} from './demo-harness.ts';

const unavailable = netnsUnavailable();
// a netns run already on this machine owns the fixed names
const busy =
  unavailable === null &&
  spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes('weft-node');
if (unavailable !== null) console.log(`local-netns-capture: skipped: ${unavailable}`);
else if (busy)
  console.log('local-netns-capture: skipped: another WEFT_LOCAL_CAPTURE=netns run is using this machine');

const stateDir = tempStateDir();
let current: ControllerProcess | undefined;

function api(url: string) {
  const token = () => readFileSync(join(stateDir, 'auth', 'admin-token'), 'utf8').trim();
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${url}/trpc`, headers: () => ({ authorization: `Bearer ${token()}` }) })],
  });
}

function namespaces(): string[] {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => l.split(' ')[0] as string)
    .filter((n) => n.startsWith('weft-node') || n.startsWith('weft-pod-'));
}

async function stopController(): Promise<void> {
  const c = current;
  current = undefined;
  if (!c || c.child.exitCode !== null) return;
  c.child.kill('SIGTERM');
  await Promise.race([c.exited, new Promise((r) => setTimeout(r, 30_000))]);
  if (c.child.exitCode === null) c.child.kill('SIGKILL');
}

afterAll(async () => {
  await stopController();
  for (const pid of livePids(stateDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  for (const ns of namespaces()) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
  spawnSync('ip', ['link', 'del', 'weft-host'], { timeout: 10_000 });
  spawnSync('ip', ['route', 'del', 'local', '169.254.101.0/24', 'dev', 'lo'], { timeout: 10_000 });
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe.skipIf(unavailable !== null || busy)('the local platform with WEFT_LOCAL_CAPTURE=netns', () => {
  it('runs the demo meshed with no HTTP_PROXY in any pod: traffic captured, mTLS, counted; a stop leaves nothing', async () => {
    current = await startControllerProcess({
      stateDir,
      octet: 0,
      apiPort: await freePort(),
      env: { WEFT_LOCAL_CAPTURE: 'netns' },
    });
    const client = api(current.url);
    await waitFor(
      'every demo pod to be ready',
      async () => (await client.workloads.list.query({})).every((w) => w.readyReplicas === w.replicas),
      90_000,
    );
    for (const w of await client.workloads.list.query({}))
      await client.workloads.mesh.mutate({ namespace: w.namespace, name: w.name });
    await waitFor(
      'every workload meshed and ready',
      async () =>
        (await client.workloads.list.query({})).every(
          (w) => w.meshState === 'meshed' && w.readyReplicas === w.replicas,
        ),
      120_000,
    );

    // the old pods leave their endpoints at once and drain in the background: wait until they are gone
    await waitFor('the old pods to have stopped', () => podRecords(stateDir).every((p) => p.meshed), 30_000);
    const pods = podRecords(stateDir);
    expect(pods.every((p) => p.meshed && p.ip.startsWith('169.254.100.'))).toBe(true);
    // every app runs in its own namespace, with no proxy variable at all
    for (const p of pods) {
      const pid = p.app?.pid as number;
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(
        env.filter((e) => /^(https?|grpc)_proxy=/i.test(e)),
        p.name,
      ).toEqual([]);
    }
    const netOf = (pid: number) =>
      spawnSync('readlink', [`/proc/${pid}/ns/net`], { encoding: 'utf8' }).stdout;
    const appNets = new Set(pods.map((p) => netOf(p.app?.pid as number)));
    expect(appNets.size).toBe(pods.length);
    expect(appNets.has(netOf(process.pid))).toBe(false);

    // the traffic generator calls web's service address; its proxy counts mTLS requests to web
    const traffic = pods.find((p) => p.workload === 'traffic');
    const before = (await trafficStats(traffic?.ip as string)).ok;
    await waitFor(
      'traffic to keep flowing',
      async () => (await trafficStats(traffic?.ip as string)).ok > before + 20,
      30_000,
    );
    const metrics = await (await fetch(`http://${traffic?.ip}:4191/metrics`)).text();
    const secured = metrics
      .split('\n')
      .filter(
        (l) =>
          l.startsWith('request_total{') &&
          l.includes('direction="outbound"') &&
          l.includes('dst_deployment="web"') &&
          l.includes('tls="true"'),
      )
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    expect(secured, metrics).toBeGreaterThan(0);

    await stopController();
    expect(livePids(stateDir)).toEqual([]);
    expect(namespaces()).toEqual([]);
    expect(existsSync('/sys/class/net/weft-host')).toBe(false);
  }, 300_000);
});
