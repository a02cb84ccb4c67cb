// A trust-anchor rotation under live demo traffic: the controller as its own process, the
// demo's traffic generator, web and catalog meshed (mTLS between their proxies), and the
// four steps driven over the API as `weft identity rotate` and the dashboard drive them.
// Certificates live an hour, so every proxy that moves does so because the controller told
// it to. Midway the controller is killed (SIGKILL) and started again: it resumes the
// rotation where it was. The generator's `/stats` must show no failed request throughout.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppRouter } from '../src/api/router.ts';
import {
  type ControllerProcess,
  freePort,
  livePids,
  reserveOctet,
  startControllerProcess,
  tempStateDir,
  trafficStats,
  waitFor,
} from './demo-harness.ts';

let stateDir: string;
let octet: number;
let controller: ControllerProcess | undefined;
let apiPort: number;
const MESHED = ['traffic', 'web', 'catalog'];

function client(url: string) {
  const token = () => readFileSync(join(stateDir, 'auth', 'admin-token'), 'utf8').trim();
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${url}/trpc`, headers: () => ({ authorization: `Bearer ${token()}` }) })],
  });
}

function anchorCount(): number {
  const pem = readFileSync(join(stateDir, 'identity', 'trust-anchor.pem'), 'utf8');
  return pem.split('-----BEGIN CERTIFICATE-----').length - 1;
}

beforeAll(async () => {
  stateDir = tempStateDir();
  octet = await reserveOctet();
  apiPort = await freePort();
}, 10_000);

afterAll(async () => {
  if (controller && controller.child.exitCode === null) {
    controller.child.kill('SIGTERM');
    await controller.exited;
  }
  if (livePids(stateDir).length) throw new Error(`processes left running: ${livePids(stateDir).join(' ')}`);
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

it('rotates the trust anchor under meshed demo traffic with zero failed requests', async () => {
  // The same port across the restart, so that running proxies find the next controller.
  const start = () =>
    startControllerProcess({
      stateDir,
      octet,
      apiPort,
      env: { WEFT_IDENTITY_CERT_LIFETIME: '1h' },
      startTimeoutMs: 60_000,
    });
  controller = await start();
  const api = client(controller.url);
  await waitFor(
    'every demo pod to be ready',
    async () => (await api.workloads.list.query({})).every((w) => w.readyReplicas === w.replicas),
    90_000,
  );
  for (const name of MESHED) await api.workloads.mesh.mutate({ namespace: 'demo', name });
  await waitFor(
    'traffic, web and catalog to be meshed',
    async () => {
      const ws = await api.workloads.list.query({ namespace: 'demo' });
      return MESHED.every((n) => ws.find((w) => w.name === n)?.meshState === 'meshed');
    },
    90_000,
  );
  const [trafficPod] = await api.pods.list.query({ namespace: 'demo', workload: 'traffic' });
  const ip = trafficPod?.ip ?? '';
  const oldStatus = await api.identity.status.query();
  await waitFor(
    'every meshed proxy to hold a certificate',
    async () => (await api.identity.certificates.query({ namespace: 'demo' })).length >= MESHED.length,
    30_000,
  );
  await waitFor('the generator to see successes', async () => (await trafficStats(ip)).ok > 20, 30_000);
  const before = await trafficStats(ip);

  // 1. generate
  const started = await api.identity.rotation.start.mutate({ kind: 'anchor' });
  expect(started.phase).toBe('generated');
  expect(started.proxies.length).toBeGreaterThanOrEqual(MESHED.length);
  // 2. distribute both anchors; every proxy renews to trust both.
  await api.identity.rotation.advance.mutate({ from: 'generated' });
  expect(anchorCount()).toBe(2);
  await waitFor(
    'every proxy to trust both anchors',
    async () => (await api.identity.rotation.status.query()).active?.readyToAdvance,
    30_000,
  ).catch(async (err) => {
    // Which proxies did not move, and what the controller said, for the failure report.
    console.log(JSON.stringify((await api.identity.rotation.status.query()).active?.proxies, null, 1));
    console.log(controller?.output().slice(-3000));
    throw err;
  });
  // A crash in the middle: the next controller resumes the rotation in the same phase.
  controller.child.kill('SIGKILL');
  await controller.exited;
  controller = await start();
  expect((await api.identity.rotation.status.query()).active).toMatchObject({
    kind: 'anchor',
    phase: 'distributing',
    anchorsDistributed: 2,
  });
  await waitFor(
    'the proxies to be seen again, trusting both anchors',
    async () => (await api.identity.rotation.status.query()).active?.readyToAdvance,
    30_000,
  );
  // 3. switch to the new issuer; every proxy renews onto it.
  await api.identity.rotation.advance.mutate({ from: 'distributing' });
  const switched = await waitFor(
    'every proxy to hold a certificate of the new issuer',
    async () => {
      const a = (await api.identity.rotation.status.query()).active;
      return a?.readyToAdvance ? a : undefined;
    },
    30_000,
  );
  expect(switched.proxies.every((p) => p.onNewIssuer && p.trustsBundle)).toBe(true);
  // Traffic keeps flowing over the new chain before the old anchor goes.
  const mid = await trafficStats(ip);
  await waitFor(
    'more successes on the new chain',
    async () => (await trafficStats(ip)).ok > mid.ok + 20,
    20_000,
  );
  // 4. finish: only the new anchor is trusted.
  const finished = await api.identity.rotation.advance.mutate({ from: 'switching' });
  expect(finished.active).toBeNull();
  expect(finished.lastFinished?.kind).toBe('anchor');
  expect(anchorCount()).toBe(1);
  const newStatus = await api.identity.status.query();
  expect(newStatus.trustAnchor.serialNumber).not.toBe(oldStatus.trustAnchor.serialNumber);
  expect(newStatus.issuer.serialNumber).toBe(switched.newIssuer.serialNumber);

  // Traffic after the old anchor is gone: proxies renewed to trust the new one alone.
  const end = await trafficStats(ip);
  await waitFor('successes after the finish', async () => (await trafficStats(ip)).ok > end.ok + 30, 20_000);
  const after = await trafficStats(ip);
  expect(after.errors - before.errors, JSON.stringify(after.lastErrors)).toBe(0);
  const certs = await api.identity.certificates.query({ namespace: 'demo' });
  expect(
    certs
      .filter((c) => MESHED.includes(c.workload ?? ''))
      .every((c) => c.issuerSerial === newStatus.issuer.serialNumber),
  ).toBe(true);
}, 240_000);
