// Two controller replicas on the Kubernetes platform share one Lease on the fake API
// server: only the holder drives canaries. The other refuses to start or abort one
// (unavailable, naming the Lease, keeping nothing), and takes over once the leader gives
// the Lease up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Canary, CanaryStartInput, ErrorCode, MeshError } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryRunner } from '../src/canary/runner.ts';
import { KubernetesPlatform } from '../src/platform/kubernetes/kubernetes-platform.ts';
import { StateStore } from '../src/state/store.ts';
import { waitFor } from './demo-harness.ts';
import { fakeKubeConfig } from './kube/kubeconfig.ts';
import { FakeApiServer } from './kube/server.ts';

const INPUT = CanaryStartInput.parse({
  namespace: 'demo',
  service: 'inventory',
  port: 8080,
  stable: 'inventory',
  canary: 'inventory-v2',
  steps: [10, 100],
  holdSeconds: 30,
  gates: { minSuccessRate: 0.95, maxP99Ms: 500 },
});

interface Replica {
  platform: KubernetesPlatform;
  runner: CanaryRunner;
  weights: number[];
  dir: string;
}

let server: FakeApiServer;
const replicas: Record<string, Replica> = {};

function replica(url: string, name: string): Replica {
  const dir = mkdtempSync(join(tmpdir(), `weft-leader-${name}-`));
  const platform = new KubernetesPlatform(fakeKubeConfig(url), undefined, {
    namespace: 'weft',
    durationSeconds: 3,
    retryMs: 200,
    identity: name,
  });
  const weights: number[] = [];
  const runner = new CanaryRunner({
    state: new StateStore(dir),
    // A hold that never ends within the test: the canary stays running at its first step.
    clock: {
      now: () => Date.now(),
      sleep: (_ms, signal) => new Promise((r) => signal.addEventListener('abort', () => r())),
    },
    metrics: { measure: async () => ({ successRate: 1, p99Ms: 1, requests: 1, rps: 1 }) },
    routes: {
      resolveRoute: () => ({ route: 'inventory-canary', existed: false }),
      setWeight: (_c: Canary, w: number) => {
        weights.push(w);
        return weights.length;
      },
    },
    leading: () => platform.leading,
  });
  return { platform, runner, weights, dir };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof MeshError ? `${err.code} ${err.message}` : String(err);
  }
}

beforeAll(async () => {
  server = new FakeApiServer();
  const url = await server.listen();
  await server.create('v1', 'Namespace', undefined, { metadata: { name: 'weft' } });
  replicas.a = replica(url, 'controller-a');
  await replicas.a.platform.start();
  await waitFor('controller-a to lead', () => replicas.a?.platform.leading, 10_000);
  replicas.b = replica(url, 'controller-b');
  await replicas.b.platform.start();
}, 30_000);

afterAll(async () => {
  for (const r of Object.values(replicas)) {
    await r.runner.close();
    await r.platform.stop({ stopWorkloads: false });
    rmSync(r.dir, { recursive: true, force: true });
  }
  await server?.close();
});

describe('canaries with two replicas', () => {
  it('run on the Lease holder only; the other refuses, changing nothing', async () => {
    const a = replicas.a as Replica;
    const b = replicas.b as Replica;
    // b has had several retry periods to (not) take the Lease.
    await new Promise((r) => setTimeout(r, 600));
    expect(b.platform.leading).toBe(false);
    const refused = await codeOf(b.runner.start(INPUT, 'alice'));
    expect(refused).toMatch(new RegExp(`^${ErrorCode.unavailable} .*leader Lease`));
    expect(b.runner.list()).toEqual([]);
    expect(b.weights).toEqual([]);
    const c = await a.runner.start(INPUT, 'alice');
    expect(c.phase).toBe('running');
    expect(a.weights).toEqual([10]);
    expect(await codeOf(b.runner.abort(c.id, 'alice'))).toMatch(/leader Lease/);
  });

  it('moves to the other replica once the leader gives the Lease up', async () => {
    const a = replicas.a as Replica;
    const b = replicas.b as Replica;
    await a.runner.close();
    await a.platform.stop({ stopWorkloads: false });
    await waitFor('controller-b to lead', () => b.platform.leading, 10_000);
    const c = await b.runner.start(INPUT, 'bob');
    expect(c.phase).toBe('running');
    expect(b.weights).toEqual([10]);
  }, 20_000);
});
