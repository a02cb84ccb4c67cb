/**
 * Policy propagation: from `policies.applyYaml` to "enforced in all of N proxies". The
 * real controller as its own process (the local platform running only the demo's
 * inventory Services, so no pods) and N proxy processes run from the
 * bundle (`apps/proxy/dist/weft-proxy.cjs`), each sent one request for the inventory
 * Service so that it subscribes to that authority's `policy.watch` (until its
 * `weft_policy_revision` shows the first revision). Each round applies a route whose
 * redirect names the round, over HTTP, then sends each proxy a request every `pollMs`
 * until it answers with that round's redirect: enforced. A proxy's latency is the time
 * from just before the apply to the first request that shows the new routing. (Polling
 * `/metrics` instead costs the proxies far more CPU per poll and skews the figure.)
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { POLICY_REVISION_METRIC } from '@weft/shared';
import { proxyNodeArgs } from '../../apps/controller/src/platform/local/proxy-entry.ts';
import { type Spawned, spawnPinned } from '../lib/spawn.ts';

export interface PropagationOptions {
  repoRoot: string;
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

/** Round `n`'s route: a redirect to a host naming the round, so one request shows which policy a proxy runs. */
const route = (round: number) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: inventory-probe, namespace: demo }
spec:
  parentRefs: [{ group: core, kind: Service, name: inventory, port: 8080 }]
  rules:
    - filters:
        - type: RequestRedirect
          requestRedirect: { hostname: ${roundHost(round)}, statusCode: 302 }
`;

function roundHost(round: number): string {
  return `round-${round}.bench.invalid`;
}

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
function touch(host: string): Promise<string | undefined> {
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
        res.on('end', () => resolve(res.headers.location));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
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

/** ms from `t0` until a request through the proxy is redirected to round `round`'s host, or undefined after the timeout. */
async function untilRouted(
  host: string,
  round: number,
  t0: number,
  o: PropagationOptions,
): Promise<number | undefined> {
  const want = `//${roundHost(round)}`;
  while (performance.now() - t0 < o.timeoutMs) {
    if ((await touch(host))?.includes(want)) return performance.now() - t0;
    await sleep(o.pollMs);
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

const SERVICES = ['inventory', 'inventory-v2']
  .map(
    (name) =>
      `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: demo }\nspec:\n  selector: { app: ${name} }\n  ports: [{ name: http, port: 8080, targetPort: 8080 }]\n`,
  )
  .join('---\n');

function revisionIn(text: string): number {
  return (JSON.parse(text) as { result: { data: { revision: number } } }).result.data.revision;
}

/** The controller's API address, once it prints it. */
async function controllerUrl(proc: Spawned): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`the controller exited:\n${proc.output()}`);
    const m = /API on (http:\/\/[\d.]+:\d+)/.exec(proc.output());
    if (m?.[1]) return m[1];
    await sleep(100);
  }
  throw new Error(`the controller did not start:\n${proc.output()}`);
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
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-bench-policy-'));
  mkdirSync(path.join(dir, 'manifests'));
  writeFileSync(path.join(dir, 'manifests', 'services.yaml'), SERVICES);
  const controller = spawnPinned(
    null,
    '',
    process.execPath,
    ['--import', 'tsx', path.join(o.repoRoot, 'apps/controller/src/main.ts')],
    {
      ...process.env,
      WEFT_API_ADDR: '127.0.0.1:0',
      // What is measured is propagation; the proxies here carry no workload tokens.
      WEFT_AUTH: 'off',
      WEFT_STATE_DIR: path.join(dir, 'state'),
      WEFT_LOCAL_MANIFESTS: path.join(dir, 'manifests'),
      WEFT_LOCAL_POD_OCTET: String(200 + Math.floor(Math.random() * 50)),
    },
  );
  const url = await controllerUrl(controller);
  let revision = 0;
  const proxies: { proc: Spawned; host: string }[] = [];
  try {
    o.log(`starting ${o.proxies} proxies from ${o.bundle} ...`);
    // Each proxy on its own loopback address with the standard ports, as pods are.
    const block = 200 + Math.floor(Math.random() * 50);
    for (let i = 0; i < o.proxies; i++) {
      const host = `127.${block}.${(i + 1) >> 8}.${(i + 1) & 255}`;
      // with the node flags a meshed pod's proxy gets (its code cache is made under them)
      const proc = spawnPinned(null, '', process.execPath, proxyNodeArgs(o.bundle), {
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
    const initial = await post(`${url}/trpc/policies.applyYaml`, { yaml: route(0) });
    if (initial.status !== 200) throw new Error(`apply failed: ${initial.text}`);
    revision = revisionIn(initial.text);
    // A proxy subscribes when it first resolves the authority: send a request until its gauge shows up.
    const following = async (host: string) => {
      for (let attempt = 0; attempt < 12; attempt++) {
        await touch(host);
        const seen = await until(host, revision, performance.now(), { ...o, timeoutMs: 5_000 });
        if (seen !== undefined) return true;
      }
      return false;
    };
    const ready = await Promise.all(proxies.map((p) => following(p.host)));
    const missing = proxies.filter((_, i) => !ready[i]);
    if (missing.length > 0)
      throw new Error(
        `${missing.length} of ${o.proxies} proxies never reported ${POLICY_REVISION_METRIC} ${revision}; one of them said:\n${missing[0]?.proc.output()}`,
      );
    o.log(`all ${o.proxies} proxies follow policy.watch; ${o.rounds} rounds`);

    const samples: number[] = [];
    const applyMs: number[] = [];
    let timedOut = 0;
    for (let round = 1; round <= o.rounds; round++) {
      await sleep(200);
      const t0 = performance.now();
      const r = await post(`${url}/trpc/policies.applyYaml`, { yaml: route(round) });
      applyMs.push(performance.now() - t0);
      if (r.status !== 200) throw new Error(`apply failed: ${r.text}`);
      const times = await Promise.all(proxies.map((p) => untilRouted(p.host, round, t0, o)));
      for (const ms of times) {
        if (ms === undefined) timedOut += 1;
        else samples.push(ms);
      }
    }
    return { proxies: o.proxies, rounds: o.rounds, pollMs: o.pollMs, samples, timedOut, applyMs };
  } finally {
    await Promise.all(proxies.map((p) => p.proc.stop()));
    await controller.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
