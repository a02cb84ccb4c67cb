// The demo application on the local platform, driven through the router's caller:
// every pod ready and traffic flowing, bad input refused without change, scaling and
// the destination stream, meshing and unmeshing without a failed request, pod crashes.
import { rmSync } from 'node:fs';
import { type EndpointSet, PROXY_TLS_IDENTITY_HEADER, type RolloutProgress } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Destination } from '../src/destination/destination.ts';
import { isAlive } from '../src/platform/local/processes.ts';
import {
  balancerRef,
  podRecords,
  reserveOctet,
  startInProcess,
  tempStateDir,
  trafficStats,
  waitFor,
} from './demo-harness.ts';

let env: Awaited<ReturnType<typeof startInProcess>>;
let stateDir: string;
let trafficIp: string;

const web = { namespace: 'demo', name: 'web' };

async function allReady() {
  const ws = await env.caller.workloads.list({});
  return ws.length === 6 && ws.every((w) => w.readyReplicas === w.replicas && w.replicas > 0);
}

/** Counts the generator's outcomes over `fn` (errors are what the mesh must never cause). */
async function countDuring<T>(fn: () => Promise<T>) {
  const before = await trafficStats(trafficIp);
  const result = await fn();
  const after = await trafficStats(trafficIp);
  return {
    result,
    ok: after.ok - before.ok,
    errors: after.errors - before.errors,
    lastErrors: after.lastErrors.slice(-(after.errors - before.errors)),
  };
}

/** Seconds from `mesh` to every pod meshed and ready, per run (reported by the last test). */
const meshSeconds: number[] = [];

/** Follows `workloads.rollout` for web until it completes or fails. */
async function followRollout(seen: RolloutProgress[]): Promise<RolloutProgress> {
  const controller = new AbortController();
  const subscribe = env.caller.workloads.rollout as unknown as (
    input: { namespace: string; name: string },
    opts: { signal: AbortSignal },
  ) => Promise<AsyncIterable<[string, RolloutProgress]>>;
  const timer = setTimeout(() => controller.abort(), 90_000);
  try {
    for await (const [, p] of await subscribe(web, { signal: controller.signal })) {
      seen.push(p);
      if (p.state !== 'progressing') return p;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return seen.at(-1) as RolloutProgress;
}

beforeAll(async () => {
  stateDir = tempStateDir();
  env = await startInProcess({ stateDir, octet: await reserveOctet() });
  await env.platform.start();
  await waitFor('every demo pod to be ready', allReady, 90_000);
  const [traffic] = await env.caller.pods.list({ namespace: 'demo', workload: 'traffic' });
  trafficIp = traffic?.ip ?? '';
  // The generator started with the others: let it get past its first, unanswered calls.
  await waitFor('the generator to see successes', async () => (await trafficStats(trafficIp)).ok > 5, 20_000);
}, 150_000);

afterAll(async () => {
  if (meshSeconds.length)
    console.log(`mesh of demo/web (2 replicas) to all meshed and ready: ${meshSeconds.join(', ')} s`);
  await env?.platform.stop({ stopWorkloads: true });
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe('the demo on the local platform', () => {
  it('runs every pod on its own loopback address and serves traffic unmeshed', async () => {
    const pods = await env.caller.pods.list({ namespace: 'demo' });
    expect(pods).toHaveLength(6);
    expect(new Set(pods.map((p) => p.ip)).size).toBe(6);
    for (const p of pods) {
      expect(p.ip).toMatch(/^127\.10\.\d+\.\d+$/);
      expect(p).toMatchObject({ phase: 'Running', ready: true, meshed: false, restarts: 0 });
    }
    const services = await env.caller.services.list({});
    expect(services.map((s) => `${s.namespace}/${s.name}`)).toEqual([
      'demo/catalog',
      'demo/inventory',
      'demo/inventory-v2',
      'demo/web',
      'reviews/ratings',
    ]);
    expect(services.find((s) => s.name === 'web')?.ports).toEqual([
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
    ]);

    const window = await countDuring(() => new Promise((r) => setTimeout(r, 2500)));
    expect(window.ok).toBeGreaterThan(10);
    expect(window.errors, JSON.stringify(window.lastErrors)).toBe(0);

    const health = await env.caller.health.get();
    expect(health).toMatchObject({ status: 'ok', platform: 'local', workloads: 6, pods: 7, readyPods: 7 });
    const namespaces = await env.caller.namespaces.list();
    expect(namespaces.map((n) => [n.name, n.workloads, n.readyPods])).toEqual([
      ['demo', 5, 6],
      ['reviews', 1, 1],
    ]);
  });

  it("keeps each pod's last output lines readable", async () => {
    const [pod] = await env.caller.pods.list({ namespace: 'demo', workload: 'catalog' });
    const { lines } = await env.caller.pods.logs({ namespace: 'demo', name: pod?.name ?? '', lines: 5 });
    expect(lines.join('\n')).toMatch(/catalog listening on 127\.10\.\d+\.\d+:8080/);
    await expect(env.caller.pods.logs({ namespace: 'demo', name: 'no-such-pod' })).rejects.toThrow(
      /pod demo\/no-such-pod not found/,
    );
  });

  it('refuses bad input to every mutation with an error naming the field, and changes nothing', async () => {
    const before = await env.caller.workloads.list({});
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => env.caller.workloads.mesh({ namespace: 'Demo', name: 'web' }), /namespace: must be lowercase/],
      [() => env.caller.workloads.mesh({ namespace: 'demo', name: '' }), /name: must not be empty/],
      [() => env.caller.workloads.mesh({ namespace: 'demo', name: 'nope' }), /workload demo\/nope not found/],
      [() => env.caller.workloads.unmesh({ namespace: 'demo' } as never), /name:/],
      [() => env.caller.workloads.unmesh({ namespace: 'demo', name: 'nope' }), /not found/],
      [() => env.caller.workloads.scale({ ...web, replicas: -1 }), /replicas: must be 0 or more/],
      [() => env.caller.workloads.scale({ ...web, replicas: 2.5 }), /replicas: must be a whole number/],
      [() => env.caller.workloads.scale({ ...web, replicas: 1000 }), /replicas: must be at most 20/],
      [() => env.caller.workloads.scale({ ...web, replicas: '3' } as never), /replicas:/],
      [() => env.caller.workloads.scale({ namespace: 'demo', name: 'nope', replicas: 1 }), /not found/],
      [() => env.caller.pods.logs({ namespace: 'demo', name: 'x', lines: 0 }), /lines: must be 1 or more/],
    ];
    for (const [call, message] of cases) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      expect(err, String(message)).toBeDefined();
      expect(err?.message).toMatch(message);
      expect(['BAD_REQUEST', 'NOT_FOUND']).toContain(err?.code);
    }
    expect(await env.caller.workloads.list({})).toEqual(before);
  });

  it('scales a deployment and streams the changed endpoint set to destination subscribers', async () => {
    const controller = new AbortController();
    // The caller accepts a signal at run time; its type does not declare it.
    const subscribe = env.proxyCaller.destination.get as unknown as (
      input: { authority: string },
      opts: { signal: AbortSignal },
    ) => Promise<AsyncIterable<unknown>>;
    const stream = await subscribe(
      { authority: 'web.demo.svc.cluster.local:80' },
      { signal: controller.signal },
    );
    const sets: EndpointSet[] = [];
    const reader = (async () => {
      for await (const ev of stream as AsyncIterable<unknown>) {
        // A tracked event is [id, data] for in-process callers.
        sets.push((ev as [string, EndpointSet])[1]);
        if (controller.signal.aborted) break;
      }
    })().catch(() => {});
    try {
      await waitFor('the first endpoint set', () => sets.length >= 1);
      expect(sets[0]?.service).toEqual(web);
      expect(sets[0]?.endpoints.map((e) => e.port)).toEqual([8080, 8080]);

      const w = await env.caller.workloads.scale({ ...web, replicas: 3 });
      expect(w.replicas).toBe(3);
      await waitFor('a third web endpoint', () => sets.at(-1)?.endpoints.length === 3, 30_000);
      const svc = (await env.caller.services.list({ namespace: 'demo' })).find((s) => s.name === 'web');
      const viaAddress = env.platform.listEndpoints(web)[0]?.endpoints.length;
      expect(viaAddress).toBe(3);
      expect(svc?.clusterIP).toMatch(/^127\.20\./);

      await env.caller.workloads.scale({ ...web, replicas: 2 });
      await waitFor(
        'back to two web pods',
        async () => (await env.caller.pods.list({ namespace: 'demo', workload: 'web' })).length === 2,
        30_000,
      );
      await waitFor('two web endpoints', () => sets.at(-1)?.endpoints.length === 2);
    } finally {
      controller.abort();
      await Promise.race([reader, new Promise((r) => setTimeout(r, 2000))]);
    }
  }, 90_000);

  it('meshes a deployment pod by pod with no failed request, and its proxies count the traffic', async () => {
    const started = Date.now();
    const progress: RolloutProgress[] = [];
    const window = await countDuring(async () => {
      const first = await env.caller.workloads.mesh(web);
      expect(first).toMatchObject({ workload: web, action: 'mesh', total: 2, state: 'progressing' });
      const done = await followRollout(progress);
      meshSeconds.push((Date.now() - started) / 1000);
      return done;
    });
    expect(window.result, JSON.stringify(progress.at(-1))).toMatchObject({
      state: 'complete',
      updated: 2,
      ready: 2,
      total: 2,
    });
    expect(progress.some((p) => p.state === 'progressing' && p.updated === 1)).toBe(true);
    expect(window.errors, JSON.stringify(window.lastErrors)).toBe(0);
    expect(window.ok).toBeGreaterThan(0);

    const detail = await env.caller.workloads.get(web);
    expect(detail.workload).toMatchObject({
      meshed: true,
      meshState: 'meshed',
      meshedReplicas: 2,
      readyReplicas: 2,
    });
    expect(detail.pods.every((p) => p.meshed && p.ready && p.proxyAdmin === `${p.ip}:4191`)).toBe(true);

    // Traffic keeps flowing, now through the proxies, which count it.
    const after = await countDuring(() => new Promise((r) => setTimeout(r, 2000)));
    expect(after.errors, JSON.stringify(after.lastErrors)).toBe(0);
    let inbound = 0;
    for (const p of detail.pods) {
      const text = await (await fetch(`http://${p.proxyAdmin}/metrics`)).text();
      for (const m of text.matchAll(/^request_total\{([^}]*)\} (\d+)/gm)) {
        if (m[1]?.includes('direction="inbound"')) inbound += Number(m[2]);
      }
    }
    expect(inbound).toBeGreaterThan(5);
    // Endpoints are announced as meshed only where the proxy serves mTLS (its /ready names
    // the identity). This in-process platform gives its proxies no identity token, so they
    // serve plaintext only, and callers are told so.
    const endpoints = env.platform.listEndpoints(web)[0]?.endpoints ?? [];
    for (const p of detail.pods) {
      const ready = await fetch(`http://${p.proxyAdmin}/ready`);
      expect(ready.status).toBe(200);
      expect(ready.headers.get(PROXY_TLS_IDENTITY_HEADER)).toBeNull();
    }
    expect(endpoints.map((e) => e.meshed)).toEqual([false, false]);
    expect(endpoints.map((e) => e.identity)).toEqual([undefined, undefined]);
    // A pod's own address (dialled directly, not through the service) is announced the same way.
    const destination = new Destination(env.platform);
    for (const p of detail.pods) {
      expect(destination.get(`${p.ip}:8080`).endpoints).toEqual([
        { address: p.ip, port: 8080, pod: p.name, workload: 'web', namespace: 'demo', meshed: false },
      ]);
    }
  }, 120_000);

  it('unmeshes it again the same way', async () => {
    const window = await countDuring(async () => {
      await env.caller.workloads.unmesh(web);
      return followRollout([]);
    });
    expect(window.result).toMatchObject({ action: 'unmesh', state: 'complete' });
    expect(window.errors, JSON.stringify(window.lastErrors)).toBe(0);
    const detail = await env.caller.workloads.get(web);
    expect(detail.workload).toMatchObject({
      meshed: false,
      meshState: 'unmeshed',
      meshedReplicas: 0,
      readyReplicas: 2,
    });
    expect(detail.pods.every((p) => !p.meshed && p.proxyAdmin === null)).toBe(true);
  }, 120_000);

  it('restarts a crashed pod and shows its restart count and last exit', async () => {
    const [before] = await env.caller.pods.list({ namespace: 'demo', workload: 'inventory' });
    const record = podRecords(stateDir).find((p) => p.name === before?.name);
    expect(record?.app?.pid).toBeGreaterThan(0);
    process.kill(record?.app?.pid ?? 0, 'SIGKILL');
    const after = await waitFor(
      'inventory to restart and be ready again',
      async () => {
        const [p] = await env.caller.pods.list({ namespace: 'demo', workload: 'inventory' });
        return p && p.restarts === 1 && p.ready ? p : undefined;
      },
      30_000,
    );
    expect(after.name).toBe(before?.name);
    expect(after.lastExit).toMatchObject({ code: null, signal: 'SIGKILL' });
    const detail = await env.caller.workloads.get({ namespace: 'demo', name: 'inventory' });
    expect(detail.pods[0]?.restarts).toBe(1);
  });

  it('restarts the service balancer when it dies, and traffic resumes', async () => {
    const before = balancerRef(stateDir);
    process.kill(before?.pid ?? 0, 'SIGKILL');
    const after = await waitFor(
      'a new balancer',
      () => {
        const ref = balancerRef(stateDir);
        return ref && ref.pid !== before?.pid && isAlive(ref) ? ref : undefined;
      },
      30_000,
    );
    expect(after.pid).not.toBe(before?.pid);
    const start = await trafficStats(trafficIp);
    await waitFor(
      'traffic to flow again',
      async () => (await trafficStats(trafficIp)).ok > start.ok + 5,
      30_000,
    );
    expect((await env.caller.health.get()).problems).toEqual([]);
  }, 60_000);
});
