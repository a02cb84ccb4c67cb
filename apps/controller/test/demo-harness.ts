/**
 * Helpers for the integration tests that run the demo application on the local
 * platform: a private address block and state directory per test file, the controller
 * in-process (for `createCaller`) or as its own process (for restart and SIGKILL), the
 * traffic generator's own counters, and bounded waiting.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@weft/shared/testing';
import { createCaller } from '../src/api/router.ts';
import { createContext } from '../src/api/trpc.ts';
import { IN_PROCESS_ADMIN } from '../src/auth/caller.ts';
import { Destination } from '../src/destination/destination.ts';
import { LocalPlatform, type LocalPlatformOptions } from '../src/platform/local/local-platform.ts';
import type { PodRecord } from '../src/platform/local/pod-record.ts';
import { isAlive, type ProcRef } from '../src/platform/local/processes.ts';
import { defaultProxyMain } from '../src/platform/local/proxy-entry.ts';
import { LOCAL_STATE_KEY, LocalState } from '../src/platform/local/state.ts';
import { StateStore } from '../src/state/store.ts';

export { freePort, waitFor };

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DEMO_MANIFESTS = join(REPO_ROOT, 'examples/demo/manifests');
const CONTROLLER_MAIN = join(REPO_ROOT, 'apps/controller/src/main.ts');

const held: net.Server[] = [];

/**
 * A third octet no other run is using: holds a listener on 127.10.<octet>.254 for the
 * life of this process as a lock, so parallel test runs get disjoint address blocks.
 */
export async function reserveOctet(): Promise<number> {
  for (let attempt = 0; attempt < 60; attempt++) {
    const octet = 60 + 4 * Math.floor(Math.random() * 45);
    const server = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(65001, `127.10.${octet}.254`, () => resolve(true));
    });
    if (ok) {
      server.unref();
      held.push(server);
      return octet;
    }
  }
  throw new Error('no free address block for the test');
}

export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'weft-test-state-'));
}

/** The platform's durable pod records (pids included), read from the state directory. */
export function podRecords(stateDir: string): PodRecord[] {
  return new StateStore(stateDir).load(LOCAL_STATE_KEY, LocalState)?.pods ?? [];
}

/** The service balancer process the platform recorded. */
export function balancerRef(stateDir: string): ProcRef | null {
  return new StateStore(stateDir).load(LOCAL_STATE_KEY, LocalState)?.balancer ?? null;
}

/** Every process the platform recorded (apps, proxies, balancer), as pid + start time. */
export function recordedProcesses(stateDir: string): ProcRef[] {
  const state = new StateStore(stateDir).load(LOCAL_STATE_KEY, LocalState);
  if (!state) return [];
  return [...state.pods.flatMap((p) => [p.app, p.proxy]), state.balancer].filter((r) => r !== null);
}

/** The recorded processes still running (a reused pid with another start time does not count). */
export function livePids(stateDir: string): number[] {
  return recordedProcesses(stateDir)
    .filter((r) => isAlive(r))
    .map((r) => r.pid);
}

export interface TrafficStats {
  sent: number;
  ok: number;
  injected: number;
  errors: number;
  lastErrors: { at: string; error: string }[];
}

/** The generator's own counters. */
export async function trafficStats(ip: string): Promise<TrafficStats> {
  const res = await fetch(`http://${ip}:8080/stats`, { signal: AbortSignal.timeout(3000) });
  return (await res.json()) as TrafficStats;
}

/** The demo run by an in-process platform, with the router's caller. */
export async function startInProcess(opts: {
  stateDir: string;
  octet: number;
  readyTimeoutMs?: number;
  proxyMain?: string;
}) {
  const store = new StateStore(opts.stateDir);
  const platform = new LocalPlatform({
    manifestsDir: DEMO_MANIFESTS,
    workdir: join(REPO_ROOT, 'examples/demo'),
    store,
    podOctet: opts.octet,
    serviceOctet: opts.octet,
    proxyMain: opts.proxyMain ?? defaultProxyMain(REPO_ROOT),
    repoRoot: REPO_ROOT,
    hostEnv: { PATH: process.env.PATH ?? '' },
    ...(opts.readyTimeoutMs ? { readyTimeoutMs: opts.readyTimeoutMs } : {}),
  });
  const destination = new Destination(platform);
  const services = { platform, destination, startedAt: Date.now(), version: 'test' };
  const caller = createCaller(createContext(services, IN_PROCESS_ADMIN));
  /** The same API as a meshed demo/traffic pod's proxy calls it (destination and policy streams). */
  const proxyCaller = createCaller(
    createContext(services, {
      kind: 'workload',
      workload: { namespace: 'demo', serviceAccount: 'default', workload: 'traffic' },
      token: 'in-process',
    }),
  );
  return { platform, caller, proxyCaller, store };
}

export interface ControllerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

/** Starts `apps/controller/src/main.ts` as its own process on the demo; resolves once its API answers. */
export async function startControllerProcess(opts: {
  stateDir: string;
  octet: number;
  /** Keep the same port across restarts so running proxies find the next controller. */
  apiPort?: number;
  /** More environment (e.g. `WEFT_LOCAL_CAPTURE`). */
  env?: Record<string, string>;
  /** How long it may take to listen (20 s by default). */
  startTimeoutMs?: number;
}): Promise<ControllerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CONTROLLER_MAIN], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      WEFT_API_ADDR: `127.0.0.1:${opts.apiPort ?? 0}`,
      WEFT_STATE_DIR: opts.stateDir,
      WEFT_LOCAL_POD_OCTET: String(opts.octet),
      WEFT_LOCAL_MANIFESTS: DEMO_MANIFESTS,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await waitFor(
    'the controller to print its API address',
    () => {
      if (child.exitCode !== null) throw new Error(`controller exited: ${out}`);
      return /API on (http:\/\/[\d.]+:\d+)/.exec(out)?.[1];
    },
    opts.startTimeoutMs ?? 20_000,
    100,
  ).catch(async (err: unknown) => {
    // A controller too slow to start is not left behind (with the pods it starts).
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    throw err;
  });
  return { child, url, output: () => out, exited };
}

/** Reads the demo state file's text (for debugging failures). */
export function stateText(stateDir: string): string {
  try {
    return readFileSync(join(stateDir, `${LOCAL_STATE_KEY}.json`), 'utf8');
  } catch {
    return '';
  }
}

const HELLO_SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(+process.env.PORT, process.env.HOST)`;

/** One Deployment `hello` (a node one-liner answering "ok" on its http port, with a readiness probe) and its Service, in `namespace`. */
export function helloManifest(namespace: string): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: hello, namespace: ${namespace} }
spec:
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello } }
    spec:
      containers:
        - name: hello
          image: example/hello:1
          command: [node, -e, ${JSON.stringify(HELLO_SERVER)}]
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /, port: http } }
---
apiVersion: v1
kind: Service
metadata: { name: hello, namespace: ${namespace} }
spec:
  selector: { app: hello }
  ports: [{ port: 80, targetPort: http }]
`;
}

/**
 * A local platform running only `helloManifest(namespace)` from `dir` (its manifests, work
 * and state directory), on the address block `octet`; not started.
 */
export function helloPlatform(
  dir: string,
  namespace: string,
  octet: number,
  extra: Partial<LocalPlatformOptions> = {},
): LocalPlatform {
  writeFileSync(join(dir, 'hello.yaml'), helloManifest(namespace));
  return new LocalPlatform({
    manifestsDir: dir,
    workdir: dir,
    store: new StateStore(join(dir, 'state')),
    podOctet: octet,
    serviceOctet: octet,
    proxyMain: defaultProxyMain(REPO_ROOT),
    repoRoot: REPO_ROOT,
    hostEnv: { PATH: process.env.PATH ?? '' },
    ...extra,
  });
}
