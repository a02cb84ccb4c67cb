/**
 * Control-plane figures on the demo application: time from `workloads.mesh` to every pod
 * of demo/web (2 replicas) meshed and ready (and the same for `unmesh`), how long one
 * pod takes from its start to ready with and without its proxy, and the controller's
 * memory with the demo running. Runs the controller as its own process on a
 * private address block and state directory, and stops everything it started.
 *
 * Usage: node --import tsx bench/controller/mesh-time.ts [runs=3]
 * Writes bench/results/controller.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@weft/shared/testing';
import { rss } from '../lib/proc.ts';
import { median, round } from '../lib/stats.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const runs = Number(process.argv[2] ?? 3);
const stateDir = mkdtempSync(join(tmpdir(), 'weft-bench-controller-'));
const web = { namespace: 'demo', name: 'web' };

const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'apps/controller/src/main.ts')], {
  cwd: ROOT,
  env: {
    ...process.env,
    WEFT_API_ADDR: '127.0.0.1:0',
    WEFT_STATE_DIR: stateDir,
    WEFT_LOCAL_POD_OCTET: '248',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
child.stdout.on('data', (c: Buffer) => {
  out += c.toString();
});

async function main() {
  const base = await waitFor(
    'the API address',
    async () => /API on (http:\/\/[\d.:]+)\/trpc/.exec(out)?.[1],
    120_000,
    100,
  );
  // The admin token the controller wrote at its first start.
  const authorization = `Bearer ${readFileSync(join(stateDir, 'auth', 'admin-token'), 'utf8').trim()}`;
  const get = async (path: string, input?: unknown) => {
    const q = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    const res = await fetch(`${base}/trpc/${path}${q}`, { headers: { authorization } });
    return ((await res.json()) as { result: { data: unknown } }).result.data;
  };
  const post = (path: string, input: unknown) =>
    fetch(`${base}/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(input),
    });
  const workload = async () =>
    (await get('workloads.get', web)) as {
      workload: { meshState: string; readyReplicas: number; meshedReplicas: number };
    };

  await waitFor(
    'every pod ready',
    async () => {
      const h = (await get('health.get')) as { pods: number; readyPods: number };
      return h.pods > 0 && h.readyPods === h.pods ? true : undefined;
    },
    120_000,
    100,
  );
  const meshTimes: number[] = [];
  const unmeshTimes: number[] = [];
  const meshedReadyMs: number[] = [];
  const unmeshedReadyMs: number[] = [];
  /** "pod demo/web-… is ready N ms after its start" lines the controller printed since `from`. */
  const readyTimes = (from: number) =>
    [...out.slice(from).matchAll(/pod demo\/web-\S+ is ready (\d+) ms after its start/g)].map((m) =>
      Number(m[1]),
    );
  for (let i = 0; i < runs; i++) {
    let t = Date.now();
    let mark = out.length;
    await post('workloads.mesh', web);
    await waitFor(
      'meshed',
      async () => {
        const w = (await workload()).workload;
        return w.meshState === 'meshed' && w.readyReplicas === 2 && w.meshedReplicas === 2 ? true : undefined;
      },
      120_000,
      100,
    );
    meshTimes.push((Date.now() - t) / 1000);
    meshedReadyMs.push(...readyTimes(mark));
    t = Date.now();
    mark = out.length;
    await post('workloads.unmesh', web);
    await waitFor(
      'unmeshed',
      async () => {
        const w = (await workload()).workload;
        return w.meshState === 'unmeshed' && w.readyReplicas === 2 ? true : undefined;
      },
      120_000,
      100,
    );
    unmeshTimes.push((Date.now() - t) / 1000);
    unmeshedReadyMs.push(...readyTimes(mark));
    console.log(`run ${i + 1}: mesh ${meshTimes.at(-1)} s, unmesh ${unmeshTimes.at(-1)} s`);
  }
  await new Promise((r) => setTimeout(r, 2000));
  const mem = rss(child.pid as number);
  const result = {
    runs,
    meshSecondsMedian: round(median(meshTimes)),
    unmeshSecondsMedian: round(median(unmeshTimes)),
    meshSeconds: meshTimes,
    unmeshSeconds: unmeshTimes,
    /** Start of a pod to ready: with its proxy (meshed) and without. */
    meshedPodReadyMsMedian: round(median(meshedReadyMs), 0),
    unmeshedPodReadyMsMedian: round(median(unmeshedReadyMs), 0),
    loadAverage: loadavg().map((l) => round(l, 1)),
    controllerRssMb: round(mem.rssMb, 1),
    controllerRssAnonMb: round(mem.anonMb, 1),
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/controller.json'), `${JSON.stringify(result, null, 2)}\n`);
}

main()
  .catch((err: unknown) => {
    console.error(`bench failed: ${(err as Error).message}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(stateDir, { recursive: true, force: true });
  });
