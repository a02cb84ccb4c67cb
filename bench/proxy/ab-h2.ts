/**
 * A/B of two proxy builds or node flag sets on the HTTP/2 one-hop path (`h2.ts`'s load:
 * h2load -c10 -m10, h2c prior knowledge, against `upstream-h2.ts`), measured back to back:
 * both variants run at once (pinned to core 0 beside the upstream; h2load on core 1) and
 * take turns, so the machine's other work weighs on both alike. Per turn: calls per
 * second, proxy CPU µs per call (from /proc), peak RSS and peak private memory (RssAnon)
 * under the load. Prints every turn and the medians.
 *
 *   node --import tsx bench/proxy/ab-h2.ts [--row h2|grpcUnary|grpcStream] [--reps 5] [--seconds 3]
 *     [--a-bundle DIR/weft-proxy.cjs] [--b-bundle DIR/weft-proxy.cjs]   (default: build this checkout)
 *     [--a-flags "--max-semi-space-size=2"] [--b-flags ""]              (default: the platform's)
 *     [--a-env "K=V K2=V2"] [--b-env "WEFT_PROXY_H2_ENGINE=wire"]        (extra proxy environment)
 *     [--profile]                                 (B under --cpu-prof: top self time)
 *
 * A bundle of another checkout: `node apps/proxy/bundle.mjs --outdir DIR` run in that checkout.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type H2loadRequest, type LoadTools, runH2load } from '../lib/load.ts';
import { sampleRss, totalCpuSeconds } from '../lib/proc.ts';
import { freePort, spawnPinned, stopAll, waitForPort } from '../lib/spawn.ts';
import { round } from '../lib/stats.ts';
import { ensureTool } from '../lib/tools.ts';
import { abArgs, abVariants, alternate, logTopSelfTime, med, pinToLoadCore } from './ab-loop.ts';
import { grpcMessage, STREAM_PATH, UNARY_PATH } from './grpc-calls.ts';
import { startWeft, type WeftProxy } from './weft.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (line: string) => process.stdout.write(`${line}\n`);

interface Turn {
  rps: number;
  cpu: number;
  rssMb: number;
  anonMb: number;
  errors: number;
}

async function turn(
  h2load: string,
  tools: LoadTools,
  p: WeftProxy,
  request: H2loadRequest,
  seconds: number,
): Promise<Turn> {
  const pid = p.proc.pid;
  const cpu0 = totalCpuSeconds([pid]);
  const sampler = sampleRss(() => [pid]);
  const r = await runH2load(h2load, tools, p.inboundPort, seconds, 10, 10, request);
  const peak = sampler.stop();
  // the CPU window includes h2load's one-second warm-up (as in h2.ts)
  const cpu = ((totalCpuSeconds([pid]) - cpu0) * 1e6) / Math.max(1, r.rps * (seconds + 1));
  return { rps: r.rps, cpu, rssMb: peak.rssMb, anonMb: peak.anonMb, errors: r.errors };
}

/** `K=V K2=V2` as an environment object. */
function envOf(spec: string | undefined): Record<string, string> | undefined {
  if (spec === undefined) return undefined;
  const env: Record<string, string> = {};
  for (const kv of spec.split(' ').filter(Boolean)) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

async function main(): Promise<void> {
  const args = abArgs(process.argv.slice(2));
  const row = args.arg('--row') ?? 'h2';
  const { reps, seconds } = args;
  const taskset = pinToLoadCore();
  const h2load = ensureTool('h2load', 'nghttp2-client', log);
  if (h2load === null) throw new Error('h2load is required');
  const tools: LoadTools = { wrk: '', olg: null, taskset, cpu: '1' };
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'weft-ab-h2-'));
  try {
    const requestFile = path.join(workDir, 'grpc-request.bin');
    writeFileSync(requestFile, grpcMessage(20));
    const grpcHeaders = ['content-type: application/grpc', 'te: trailers'];
    const request: H2loadRequest =
      row === 'h2'
        ? {}
        : {
            path: row === 'grpcStream' ? STREAM_PATH : UNARY_PATH,
            dataFile: requestFile,
            headers: grpcHeaders,
          };
    const variants = abVariants(args, repoRoot, workDir, log);
    const upstreamPort = await freePort();
    const upstream = spawnPinned(taskset, '0', process.execPath, [
      '--import',
      'tsx',
      path.join(repoRoot, 'bench/proxy/upstream-h2.ts'),
      String(upstreamPort),
    ]);
    await waitForPort(upstreamPort, upstream);
    const profileDir = args.has('--profile') ? path.join(workDir, 'prof') : null;
    const proxies: WeftProxy[] = [];
    for (const v of variants) {
      proxies.push(
        await startWeft({
          repoRoot,
          workDir,
          name: `ab-h2-${v.name.toLowerCase()}`,
          taskset,
          cpu: '0',
          appPort: upstreamPort,
          bundle: v.bundle,
          launchFlags: v.flags,
          env: envOf(args.arg(v.name === 'A' ? '--a-env' : '--b-env')),
          nodeArgs: v.name === 'B' && profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 500));
    const { turns, fromUs, toUs } = await alternate(
      reps,
      variants,
      (i) => turn(h2load, tools, proxies[i] as WeftProxy, request, seconds),
      (t) =>
        `${Math.round(t.rps)} calls/s, ${t.cpu.toFixed(1)} µs CPU/call, ` +
        `peak RSS ${t.rssMb.toFixed(1)} MB (private ${t.anonMb.toFixed(1)}), ${t.errors} errors`,
      log,
    );
    log(`\n${row}, medians of ${reps}:`);
    for (const [i, v] of variants.entries()) {
      const ts = turns[i] as Turn[];
      log(
        `${v.name}: ${round(
          med(ts, (t) => t.rps),
          0,
        )} calls/s, ${round(
          med(ts, (t) => t.cpu),
          1,
        )} µs CPU/call, peak RSS ${round(
          med(ts, (t) => t.rssMb),
          1,
        )} MB (private ${round(
          med(ts, (t) => t.anonMb),
          1,
        )})`,
      );
    }
    const [a, b] = turns;
    log(
      `B/A: calls/s ${round(med(b, (t) => t.rps) / med(a, (t) => t.rps), 3)}, ` +
        `CPU ${round(med(b, (t) => t.cpu) / med(a, (t) => t.cpu), 3)}, ` +
        `RSS ${round(med(b, (t) => t.rssMb) / med(a, (t) => t.rssMb), 3)}`,
    );
    for (const p of proxies) await p.proc.stop();
    if (profileDir) {
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file !== undefined) {
        logTopSelfTime(path.join(profileDir, file), 'B proxy', { fromUs, toUs }, 40, log);
      }
    }
  } finally {
    await stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch(async (err: unknown) => {
  process.stderr.write(`ab-h2: ${(err as Error).stack}\n`);
  await stopAll();
  process.exit(1);
});
