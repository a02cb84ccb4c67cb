/**
 * Scale figures of the local platform: the demo namespace copied K times (demo1..demoK,
 * all calling the shared `reviews/ratings`), the controller run as its own process, then,
 * once every pod is ready and the load generators have seen no new error for 3 s, every
 * workload meshed at once as a user clicking through the dashboard would. Reports
 * start → ready, mesh-all time, failed rollouts, the generators' errors during and after
 * the rollout, the controller's CPU and RSS, API p99 during the rollout, certificates
 * issued per meshed pod, and processes left after a SIGINT stop.
 *
 * Usage: [WEFT_LOCAL_MAX_ROLLOUTS=N] npm run bench:scale -- --namespaces K [--after-seconds 20]
 * Writes bench/results/scale.json (the latest run of each K and rollout limit kept), appends
 * each run's figures to bench/results/scale-runs.jsonl, and, for finding out why requests
 * failed, keeps per run (<run> is K and the run's start time, e.g. K6-20261203T094012Z):
 * bench/results/scale-<run>-errors.json (every error a generator reported, with its time
 * since the mesh calls and whether it came before, during or after the rollout),
 * scale-<run>-controller.log (each line stamped with seconds since start) and
 * scale-<run>-logs/ (the balancer's and pods' logs).
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';

import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { waitFor } from '@weft/shared/testing';
import { defaultProxyMain } from '../../apps/controller/src/platform/local/proxy-entry.ts';
import { cpuSeconds, rss } from '../lib/proc.ts';
import { percentile, round } from '../lib/stats.ts';
import { recordedProcesses, stillRunning } from './recorded.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    namespaces: { type: 'string', default: '1' },
    'after-seconds': { type: 'string', default: '20' },
  },
});
const K = Number(args.namespaces);
const AFTER_MS = Number(args['after-seconds']) * 1000;
/** How long the generators must see no new error before the mesh calls. */
const QUIET_MS = 3000;
if (!Number.isInteger(K) || K < 1 || K > 20)
  throw new Error(`--namespaces must be 1..20, got ${args.namespaces}`);
if (!(AFTER_MS >= 0)) throw new Error(`--after-seconds must be a number, got ${args['after-seconds']}`);

// Meshed pods run what `npm start` gives them: the proxy bundle, built when it is stale.
if (process.env.WEFT_LOCAL_PROXY_MAIN === undefined && defaultProxyMain(ROOT).endsWith('.ts')) {
  console.log('building the proxy bundle (npm run build --workspace @weft/proxy) ...');
  execFileSync('npm', ['run', '-s', 'build', '--workspace', '@weft/proxy'], { cwd: ROOT, stdio: 'inherit' });
}
const proxyMain = process.env.WEFT_LOCAL_PROXY_MAIN ?? defaultProxyMain(ROOT);

const work = mkdtempSync(join(tmpdir(), 'weft-bench-scale-'));
const manifests = join(work, 'manifests');
const stateDir = join(work, 'state');
mkdirSync(manifests);
const demo = readFileSync(join(ROOT, 'examples/demo/manifests/demo.yaml'), 'utf8');
for (let i = 1; i <= K; i++)
  writeFileSync(
    join(manifests, `demo${i}.yaml`),
    demo.replace(/^(\s+(?:name|namespace): )demo$/gm, `$1demo${i}`),
  );
writeFileSync(
  join(manifests, 'reviews.yaml'),
  readFileSync(join(ROOT, 'examples/demo/manifests/reviews.yaml')),
);

const startedAt = Date.now();
/** Names this run's files, so repeated runs keep one record each. */
const RUN = `K${K}-${new Date(startedAt).toISOString().replace(/[-:]|\.\d+/g, '')}`;
const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'apps/controller/src/main.ts')], {
  cwd: ROOT,
  env: {
    ...process.env,
    WEFT_API_ADDR: '127.0.0.1:0',
    WEFT_STATE_DIR: stateDir,
    WEFT_LOCAL_POD_OCTET: '246',
    WEFT_LOCAL_SERVICE_OCTET: '246',
    WEFT_LOCAL_MANIFESTS: manifests,
    WEFT_LOCAL_WORKDIR: join(ROOT, 'examples/demo'),
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
// The controller's output, each line stamped with the seconds since its start.
let out = '';
const stamped = (c: Buffer) => {
  const at = ((Date.now() - startedAt) / 1000).toFixed(1);
  out += c
    .toString()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `${at} ${l}\n`)
    .join('');
};
child.stdout.on('data', stamped);
child.stderr.on('data', stamped);
const exited = new Promise<void>((r) => child.once('exit', () => r()));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
interface GeneratorStats {
  errors: number;
  lastErrors: { at: string; error: string }[];
}

interface WorkloadRow {
  namespace: string;
  name: string;
  meshState: string;
  replicas: number;
  readyReplicas: number;
  meshedReplicas: number;
}

async function main() {
  const base = await waitFor(
    'the API address',
    async () => /API on (http:\/\/[\d.:]+)\/trpc/.exec(out)?.[1],
    60_000,
  );
  const authorization = `Bearer ${readFileSync(join(stateDir, 'auth', 'admin-token'), 'utf8').trim()}`;
  const get = async (path: string, input?: unknown) => {
    const q = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    const res = await fetch(`${base}/trpc/${path}${q}`, {
      headers: { authorization },
      signal: AbortSignal.timeout(30_000),
    });
    return ((await res.json()) as { result: { data: unknown } }).result.data;
  };
  const post = async (path: string, input: unknown) => {
    const res = await fetch(`${base}/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(input),
      signal: AbortSignal.timeout(60_000),
    });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  };
  const health = async () => (await get('health.get')) as { pods: number; readyPods: number };
  // Every workload at its replica count and ready (pods are started a few at a time, so
  // "every pod there is ready" can hold before the last ones exist).
  await waitFor(
    'every pod ready',
    async () => {
      const rows = (await get('workloads.list')) as WorkloadRow[];
      const h = await health();
      const done =
        rows.length > 0 &&
        rows.every((w) => w.readyReplicas === w.replicas) &&
        h.pods === rows.reduce((n, w) => n + w.replicas, 0) &&
        h.readyPods === h.pods;
      return done ? h : undefined;
    },
    180_000,
  );
  const startToReadyS = (Date.now() - startedAt) / 1000;
  console.log(`K=${K}: every pod ready ${round(startToReadyS)} s after start`);
  out += `${((Date.now() - startedAt) / 1000).toFixed(1)} [bench] every pod ready\n`;

  // The generators' counters, per pod (a pod replaced by the rollout keeps its last count),
  // and the errors they last saw (each generator keeps its last 20; sampled every second).
  const generatorErrors = new Map<string, number>();
  const errorLog = new Map<string, { pod: string; at: string; error: string }>();
  const sampleGenerators = async () => {
    for (let i = 1; i <= K; i++) {
      const pods = (await get('pods.list', { namespace: `demo${i}`, workload: 'traffic' }).catch(
        () => [],
      )) as {
        name: string;
        ip: string;
      }[];
      for (const p of pods) {
        const s = await fetch(`http://${p.ip}:8080/stats`, { signal: AbortSignal.timeout(2000) })
          .then((r) => r.json() as Promise<GeneratorStats>)
          .catch(() => undefined);
        if (!s) continue;
        generatorErrors.set(p.name, Math.max(generatorErrors.get(p.name) ?? 0, s.errors));
        for (const e of s.lastErrors) errorLog.set(`${p.name} ${e.at} ${e.error}`, { pod: p.name, ...e });
      }
    }
  };
  const totalErrors = () => [...generatorErrors.values()].reduce((a, b) => a + b, 0);
  // Mesh from a quiet data plane: no generator saw a new error for QUIET_MS (waiting at
  // most a minute). Right after start-up a caller can still be in a reconnect back-off
  // towards a service whose pod was the last to be ready (web's gRPC channel to the shared
  // reviews/ratings, started last, backs off up to 2 s): such errors belong to the start,
  // and a fixed pause let some of them be counted as the rollout's.
  const quietFrom = Date.now();
  let lastTotal = -1;
  let quietSince = Date.now();
  while (Date.now() - quietSince < QUIET_MS && Date.now() - quietFrom < 60_000) {
    await sampleGenerators();
    if (totalErrors() !== lastTotal) {
      lastTotal = totalErrors();
      quietSince = Date.now();
    }
    await sleep(250);
  }
  const quietWaitS = (Date.now() - quietFrom) / 1000;
  await sampleGenerators();
  const errorsBefore = totalErrors();

  // API latency probe through the rollout.
  const apiMs: number[] = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const t = performance.now();
      await health().catch(() => undefined);
      apiMs.push(performance.now() - t);
      await sleep(100);
    }
  })();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sampleGenerators();
      await sleep(1000);
    }
  })();

  const workloads = (await get('workloads.list')) as WorkloadRow[];
  const cpuBefore = cpuSeconds(child.pid as number);
  const meshStart = Date.now();
  out += `${((meshStart - startedAt) / 1000).toFixed(1)} [bench] mesh calls\n`;
  const callMs: number[] = [];
  await Promise.all(
    workloads.map(async (w) => {
      const t = performance.now();
      await post('workloads.mesh', { namespace: w.namespace, name: w.name });
      callMs.push(performance.now() - t);
    }),
  );
  const meshed = await waitFor(
    'every workload meshed and ready',
    async () => {
      const rows = (await get('workloads.list')) as WorkloadRow[];
      const done = rows.every(
        (w) => w.meshState === 'meshed' && w.readyReplicas === w.replicas && w.meshedReplicas === w.replicas,
      );
      return done ? rows : undefined;
    },
    300_000,
  );
  const meshEnd = Date.now();
  const meshAllS = (meshEnd - meshStart) / 1000;
  const rolloutCpuS = cpuSeconds(child.pid as number) - cpuBefore;
  probing = false;
  await probe;
  sampling = false;
  await sampler;
  await sampleGenerators();
  const errorsDuring = totalErrors() - errorsBefore;
  console.log(`K=${K}: every workload meshed ${round(meshAllS)} s after the mesh calls`);

  const afterStart = totalErrors();
  const afterEnd = Date.now() + AFTER_MS;
  while (Date.now() < afterEnd) {
    await sampleGenerators();
    await sleep(1000);
  }
  const errorsAfter = totalErrors() - afterStart;

  const h = await health();
  const identity = (await get('identity.status')) as { issuedTotal: number };
  const rolloutsFailed = meshed.filter((w) => w.meshState === 'failed').length;
  const mem = rss(child.pid as number);

  const processes = recordedProcesses(stateDir);
  child.kill('SIGINT');
  await Promise.race([exited, sleep(60_000)]);
  await sleep(500);
  const left = processes.map(stillRunning).filter((c) => c !== undefined);
  for (const c of left) console.log(`left running after stop: ${c}`);

  const result = {
    namespaces: K,
    /** WEFT_LOCAL_MAX_ROLLOUTS as given, else the controller's default (two per core, at least two). */
    maxRollouts: process.env.WEFT_LOCAL_MAX_ROLLOUTS ?? 'default',
    /** The proxy meshed pods ran: the bundle (`weft-proxy.mjs`), as with `npm start`, or the sources. */
    proxy: proxyMain.endsWith('.ts') ? 'sources (tsx)' : 'bundle',
    pods: h.pods,
    workloads: workloads.length,
    startToReadySeconds: round(startToReadyS),
    /** From every pod ready to a quiet data plane (no new generator error for 3 s), when meshing began. */
    quietWaitSeconds: round(quietWaitS),
    generatorErrorsAtStart: errorsBefore,
    meshAllSeconds: round(meshAllS),
    meshCallMsMax: round(Math.max(...callMs), 0),
    rolloutsFailed,
    generatorErrorsDuringRollout: errorsDuring,
    generatorErrorsAfter: errorsAfter,
    afterSeconds: AFTER_MS / 1000,
    apiP99MsDuringRollout: round(percentile(apiMs, 99), 0),
    apiSamples: apiMs.length,
    controllerCpuShareDuringRollout: round(rolloutCpuS / meshAllS, 2),
    controllerRssMb: round(mem.rssMb, 1),
    certificatesIssued: identity.issuedTotal,
    certificatesPerPod: round(identity.issuedTotal / Math.max(1, h.pods), 2),
    processesLeftAfterStop: left.length,
    loadAverage: loadavg().map((l) => round(l, 1)),
    cores: (await import('node:os')).availableParallelism(),
    at: new Date().toISOString(),
    run: RUN,
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const errors = [...errorLog.values()]
    .map((e) => {
      const at = Date.parse(e.at);
      const phase = at < meshStart ? 'before' : at <= meshEnd ? 'rollout' : 'after';
      return { ...e, phase, sinceMeshS: Math.round((at - meshStart) / 100) / 10 };
    })
    .sort((a, b) => a.sinceMeshS - b.sinceMeshS);
  writeFileSync(join(ROOT, `bench/results/scale-${RUN}-errors.json`), `${JSON.stringify(errors, null, 2)}\n`);
  writeFileSync(join(ROOT, `bench/results/scale-${RUN}-controller.log`), out);
  appendFileSync(join(ROOT, 'bench/results/scale-runs.jsonl'), `${JSON.stringify(result)}\n`);
  const file = join(ROOT, 'bench/results/scale.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as (typeof result)[]) : [];
  const rows = [
    ...previous.filter((r) => r.namespaces !== K || r.maxRollouts !== result.maxRollouts),
    result,
  ].sort((a, b) => a.namespaces - b.namespaces);
  writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
}

main()
  .catch((err: unknown) => {
    console.error(
      `bench failed: ${(err as Error).message}\n--- controller output (tail) ---\n${out.slice(-3000)}`,
    );
    process.exitCode = 1;
  })
  .finally(async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await Promise.race([exited, sleep(30_000)]);
    }
    for (const ref of recordedProcesses(stateDir)) {
      if (stillRunning(ref) === undefined) continue;
      try {
        process.kill(-ref.pid, 'SIGKILL');
      } catch {}
    }
    // The balancer's and the pods' own logs, for finding out where requests failed.
    const logs = join(ROOT, `bench/results/scale-${RUN}-logs`);
    if (existsSync(stateDir))
      cpSync(stateDir, logs, {
        recursive: true,
        filter: (src) => !/\.(json|pem|key|tmp)$|auth/.test(src),
      });
    rmSync(work, { recursive: true, force: true });
  });
