/**
 * A/B of two proxy builds or node flag sets on one path, measured back to back: both
 * variants run at once (each its own pair of proxies, pinned to core 0 beside the upstream;
 * the load generator on core 1) and take turns, so the machine's other work weighs on
 * both alike. Per turn: closed-loop rps (`wrk -t1 -c50`), proxy CPU µs per request, and
 * p50/p99 at 1,000 requests/s (`olg`). Prints every turn and the medians.
 *
 *   node --import tsx bench/proxy/ab.ts [--path twoHopMtls|twoHop|oneHop] [--reps 5] [--seconds 3]
 *     [--b-path twoHop]                             (B on another path than A: two paths of one build)
 *     [--a-bundle DIR/weft-proxy.mjs] [--b-bundle DIR/weft-proxy.mjs]     (default: build this checkout)
 *     [--a-flags "--max-semi-space-size=2"] [--b-flags ""]                 (default: the platform's)
 *     [--profile]                                   (B's proxies under --cpu-prof: top self time)
 *     [--output]                                    (the end of what B's proxies wrote)
 *
 * A bundle of another checkout: `node apps/proxy/bundle.mjs --outdir DIR` run in that checkout.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { meshIdentity } from '@weft/shared';
import { type LoadTools, runOpenLoop, runWrk } from '../lib/load.ts';
import { totalCpuSeconds } from '../lib/proc.ts';
import { fetchMetrics, sumSamples } from '../lib/prom.ts';
import { stopAll } from '../lib/spawn.ts';
import { round } from '../lib/stats.ts';
import { buildOlg, ensureTool } from '../lib/tools.ts';
import {
  type AbVariant,
  abArgs,
  abVariants,
  alternate,
  logTopSelfTime,
  med,
  pinToLoadCore,
} from './ab-loop.ts';
import { identityEnv, runBench, startBenchUpstream } from './harness.ts';
import { BENCH_NS, BENCH_SA, startIdentityApi } from './mtls.ts';
import { startWeft, type WeftProxy } from './weft.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (line: string) => process.stdout.write(`${line}\n`);

interface Variant extends AbVariant {
  profileDir: string | null;
}

interface Started {
  port: number;
  proxies: WeftProxy[];
}

interface Turn {
  rps: number;
  cpu: number;
  p50: number;
  p99: number;
  /** Connections the proxies opened to their endpoints during the fixed-rate run. */
  opens: number;
}

/** Connections the proxies opened to their endpoints so far (`tcp_open_total`, `peer="dst"`). */
async function endpointOpens(s: Started): Promise<number> {
  let n = 0;
  for (const p of s.proxies)
    n += sumSamples(await fetchMetrics(p.adminPort), 'tcp_open_total', { peer: 'dst' });
  return n;
}

async function startPath(
  which2: string,
  v: Variant,
  taskset: string | null,
  workDir: string,
  upstreamPort: number,
  env: Record<string, string>,
): Promise<Started> {
  const common = (name: string) => ({
    repoRoot,
    workDir,
    // a workload name: lowercase (the controller refuses others)
    name: `${v.name.toLowerCase()}-${name}`,
    taskset,
    cpu: '0',
    bundle: v.bundle,
    launchFlags: v.flags,
    env,
    nodeArgs: v.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(v.profileDir, name)}`] : [],
  });
  const server = await startWeft({ ...common('server'), appPort: upstreamPort });
  if (which2 === 'oneHop') return { port: server.inboundPort, proxies: [server] };
  const meshed = which2 === 'twoHopMtls';
  const client = await startWeft({
    ...common('client'),
    routes: (own) => [
      {
        authority: `127.0.0.1:${own.outboundPort}`,
        endpoints: [
          {
            address: '127.0.0.1',
            port: server.inboundPort,
            meshed,
            ...(meshed ? { identity: meshIdentity(BENCH_SA, BENCH_NS) } : {}),
          },
        ],
      },
    ],
  });
  if (meshed) {
    for (const p of [server, client]) {
      for (let i = 0; ; i++) {
        const ok = await fetch(`http://127.0.0.1:${p.adminPort}/ready`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) break;
        if (i > 400) throw new Error('proxy got no certificate in 20 s');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
  return { port: client.outboundPort, proxies: [client, server] };
}

async function turn(tools: LoadTools, s: Started, seconds: number): Promise<Turn> {
  await runWrk(tools, s.port, 1);
  const pids = s.proxies.map((p) => p.proc.pid);
  const cpu0 = totalCpuSeconds(pids);
  const w = await runWrk(tools, s.port, seconds);
  const cpu = ((totalCpuSeconds(pids) - cpu0) * 1e6) / Math.max(1, w.requests);
  const opens0 = await endpointOpens(s);
  const ol = await runOpenLoop(tools, s.port, 1000, seconds, 1);
  const opens = (await endpointOpens(s)) - opens0;
  return { rps: w.rps, cpu, p50: ol.p50Ms, p99: ol.p99Ms, opens };
}

async function main(): Promise<void> {
  const args = abArgs(process.argv.slice(2));
  const which2 = args.arg('--path') ?? 'twoHopMtls';
  const { reps, seconds } = args;
  const taskset = pinToLoadCore();
  const wrk = ensureTool('wrk', 'wrk', log);
  if (wrk === null) throw new Error('wrk is required');
  const tools: LoadTools = { wrk, olg: buildOlg(repoRoot, log), taskset, cpu: '1' };
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'weft-ab-'));
  try {
    const variants: Variant[] = abVariants(args, repoRoot, workDir, log).map((v) => ({
      ...v,
      profileDir: v.name === 'B' && args.has('--profile') ? path.join(workDir, 'prof') : null,
    }));
    const upstreamPort = await startBenchUpstream(repoRoot, taskset);
    const base: Record<string, string> = { WEFT_PROXY_DRAIN_GRACE_MS: '300' };
    const paths = [which2, args.arg('--b-path') ?? which2];
    let mtlsEnv: Record<string, string> | null = null;
    if (paths.includes('twoHopMtls')) {
      const stateDir = path.join(workDir, 'identity-state');
      mkdirSync(stateDir);
      mtlsEnv = { ...base, ...identityEnv(await startIdentityApi(stateDir)) };
    }
    const started: Started[] = [];
    for (const [i, v] of variants.entries()) {
      const p = paths[i] as string;
      const env = p === 'twoHopMtls' ? (mtlsEnv as Record<string, string>) : base;
      started.push(await startPath(p, v, taskset, workDir, upstreamPort, env));
    }
    const { turns, fromUs, toUs } = await alternate(
      reps,
      variants,
      (i) => turn(tools, started[i] as Started, seconds),
      (t) =>
        `${Math.round(t.rps)} rps, ${t.cpu.toFixed(1)} µs CPU/req, ` +
        `p50/p99 @1k ${t.p50.toFixed(3)}/${t.p99.toFixed(3)} ms (${t.opens} endpoint connections opened)`,
      log,
    );
    log(`\n${paths[0] === paths[1] ? which2 : `A ${paths[0]}, B ${paths[1]}`}, medians of ${reps}:`);
    for (const [i, v] of variants.entries()) {
      const ts = turns[i] as Turn[];
      log(
        `${v.name}: ${round(
          med(ts, (t) => t.rps),
          0,
        )} rps, ${round(
          med(ts, (t) => t.cpu),
          1,
        )} µs CPU/req, ` +
          `p50/p99 @1k ${round(
            med(ts, (t) => t.p50),
            3,
          )}/${round(
            med(ts, (t) => t.p99),
            3,
          )} ms`,
      );
    }
    const [a, b] = turns;
    log(
      `B/A: rps ${round(med(b, (t) => t.rps) / med(a, (t) => t.rps), 3)}, ` +
        `CPU ${round(med(b, (t) => t.cpu) / med(a, (t) => t.cpu), 3)}`,
    );
    const prof = variants[1]?.profileDir;
    if (args.has('--output')) {
      // what B's proxies wrote (the last 8 kB each): `--b-flags "... --trace-gc"`, say
      for (const p of (started[1] as Started).proxies)
        log(`\nB proxy ${p.proc.pid} output:\n${p.proc.output()}`);
    }
    for (const s of started) for (const p of s.proxies) await p.proc.stop();
    if (prof) {
      for (const name of readdirSync(prof)) {
        const dir = path.join(prof, name);
        const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
        if (file === undefined) continue;
        // The profile covers B's turns and A's between them; only B's proxies are sampled.
        logTopSelfTime(path.join(dir, file), `B ${name} proxy`, { fromUs, toUs }, 30, log);
      }
    }
  } finally {
    await stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

runBench('ab', main, 'stack');
