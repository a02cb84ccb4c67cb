/**
 * Policy propagation: from `policies.applyYaml` to "enforced in all of N proxies". An
 * in-process controller API (the real policy service, destination and tRPC server over
 * an in-memory platform holding the demo's Services) and N proxy processes run from the
 * bundle (`apps/proxy/dist/weft-proxy.mjs`), each sent one request for the inventory
 * Service so that it subscribes to that authority's `policy.watch`. Each round applies a
 * changed split over HTTP and polls every proxy's `/metrics` (every `pollMs`) until its
 * `weft_policy_revision` shows the new revision; a proxy's latency is the time from just
 * before the apply to the first poll that shows it.
 */
import http from 'node:http';
import { POLICY_REVISION_METRIC } from '@weft/shared';
import { startApiServer } from '../../apps/controller/src/api/server.ts';
import type { ApiServices } from '../../apps/controller/src/api/trpc.ts';
import { Destination } from '../../apps/controller/src/destination/destination.ts';
import { PolicyService } from '../../apps/controller/src/policy/service.ts';
import { MemoryPlatform, tempStateDir } from '../../apps/controller/src/policy/test-util.ts';
import { StateStore } from '../../apps/controller/src/state/store.ts';
import { type Spawned, spawnPinned } from '../lib/spawn.ts';

export interface PropagationOptions {
  bundle: string;
  proxies: number;
  rounds: number;
  pollMs: number;
  /** A round gives up on a proxy after this long. */
  timeoutMs: number;
  log: (line: string) => void;
}

export interface PropagationResult {
  proxies: number;
  rounds: number;
  pollMs: number;
  /** Per proxy and round, ms from apply to enforced. */
  samples: number[];
  /** Proxy-rounds that did not show the revision within `timeoutMs`. */
  timedOut: number;
  /** ms the `policies.applyYaml` call itself took (median). */
  applyMs: number[];
}

const AUTHORITY = 'inventory.demo.svc.cluster.local:8080';

const split = (round: number) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: inventory-split, namespace: demo }
spec:
  parentRefs: [{ group: core, kind: Service, name: inventory, port: 8080 }]
  rules:
    - backendRefs:
        - { name: inventory, port: 8080, weight: ${100 - (round % 50)} }
        - { name: inventory-v2, port: 8080, weight: ${round % 50} }
`;

function post(url: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 30_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('apply timed out')));
    req.on('error', reject);
    req.end(data);
  });
}

/** One request through a proxy's outbound listener: makes it resolve the authority and subscribe. */
function touch(host: string): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get(
      {
        host,
        port: 4140,
        path: `http://${AUTHORITY}/`,
        headers: { host: AUTHORITY },
        timeout: 10_000,
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve());
  });
}

function revisionOf(text: string): number | undefined {
  for (const line of text.split('\n'))
    if (line.startsWith(`${POLICY_REVISION_METRIC} `) || line.startsWith(`${POLICY_REVISION_METRIC}{`)) {
      const v = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (Number.isFinite(v)) return v;
    }
  return undefined;
}

/** GETs `/metrics` from a proxy's admin port; empty text when it does not answer. */
function adminMetrics(host: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host, port: 4191, path: '/metrics', agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
      });
      res.on('end', () => resolve(text));
      res.on('error', () => resolve(''));
    });
    req.on('error', () => resolve(''));
    req.on('timeout', () => req.destroy());
  });
}

/** Resolves once the proxy's admin port answers; rejects when the process exits or after `timeoutMs`. */
async function waitForAdmin(host: string, proc: Spawned, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null)
      throw new Error(`a proxy exited (${proc.child.exitCode}):\n${proc.output()}`);
    if ((await adminMetrics(host)) !== '') return;
    await sleep(100);
  }
  throw new Error(`the proxy on ${host} did not answer on :4191 within ${timeoutMs} ms:\n${proc.output()}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ms from `t0` until the proxy's gauge shows at least `revision`, or undefined after the timeout. */
async function until(
  host: string,
  revision: number,
  t0: number,
  o: PropagationOptions,
): Promise<number | undefined> {
  while (performance.now() - t0 < o.timeoutMs) {
    const seen = revisionOf(await adminMetrics(host));
    if (seen !== undefined && seen >= revision) return performance.now() - t0;
    await sleep(o.pollMs);
  }
  return undefined;
}

export async function measurePropagation(o: PropagationOptions): Promise<PropagationResult> {
  const stateDir = tempStateDir();
  const platform = new MemoryPlatform().asPlatform();
  const policy = new PolicyService({ platform, state: new StateStore(stateDir) });
  const services = {
    platform,
    destination: new Destination(platform),
    policy,
    startedAt: Date.now(),
    version: 'bench',
  } as ApiServices;
  const api = await startApiServer(services, '127.0.0.1', 0);
  const url = `http://${api.address}`;
  const proxies: { proc: Spawned; host: string }[] = [];
  try {
    o.log(`starting ${o.proxies} proxies from ${o.bundle} ...`);
    // Each proxy on its own loopback address with the standard ports, as pods are.
    const block = 200 + Math.floor(Math.random() * 50);
    for (let i = 0; i < o.proxies; i++) {
      const host = `127.${block}.${(i + 1) >> 8}.${(i + 1) & 255}`;
      const proc = spawnPinned(null, '', process.execPath, [o.bundle], {
        PATH: process.env.PATH ?? '',
        WEFT_PROXY_OUTBOUND_LISTEN: `${host}:4140`,
        WEFT_PROXY_INBOUND_HOST: host,
        WEFT_PROXY_INBOUND_PORTS: '4143:8080',
        WEFT_PROXY_APP_HOST: host,
        WEFT_PROXY_ADMIN_LISTEN: `${host}:4191`,
        WEFT_PROXY_CONTROLLER_URL: url,
      });
      proxies.push({ proc, host });
    }
    for (const p of proxies) await waitForAdmin(p.host, p.proc, 120_000);
    const initial = await post(`${url}/trpc/policies.applyYaml`, { yaml: split(0) });
    if (initial.status !== 200) throw new Error(`apply failed: ${initial.text}`);
    // A proxy subscribes when it first resolves the authority: send a request until its gauge shows up.
    const following = async (host: string) => {
      for (let attempt = 0; attempt < 12; attempt++) {
        await touch(host);
        const seen = await until(host, policy.revision, performance.now(), { ...o, timeoutMs: 5_000 });
        if (seen !== undefined) return true;
      }
      return false;
    };
    const ready = await Promise.all(proxies.map((p) => following(p.host)));
    const missing = proxies.filter((_, i) => !ready[i]);
    if (missing.length > 0)
      throw new Error(
        `${missing.length} of ${o.proxies} proxies never reported ${POLICY_REVISION_METRIC} ${policy.revision}; one of them said:\n${missing[0]?.proc.output()}`,
      );
    o.log(`all ${o.proxies} proxies follow policy.watch; ${o.rounds} rounds`);

    const samples: number[] = [];
    const applyMs: number[] = [];
    let timedOut = 0;
    for (let round = 1; round <= o.rounds; round++) {
      await sleep(200);
      const t0 = performance.now();
      const r = await post(`${url}/trpc/policies.applyYaml`, { yaml: split(round) });
      applyMs.push(performance.now() - t0);
      if (r.status !== 200) throw new Error(`apply failed: ${r.text}`);
      const revision = (JSON.parse(r.text) as { result: { data: { revision: number } } }).result.data
        .revision;
      const times = await Promise.all(proxies.map((p) => until(p.host, revision, t0, o)));
      for (const ms of times) {
        if (ms === undefined) timedOut += 1;
        else samples.push(ms);
      }
    }
    return { proxies: o.proxies, rounds: o.rounds, pollMs: o.pollMs, samples, timedOut, applyMs };
  } finally {
    await Promise.all(proxies.map((p) => p.proc.stop()));
    await api.close();
    policy.close();
  }
}
