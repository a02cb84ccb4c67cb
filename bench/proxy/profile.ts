/**
 * Where a Weft proxy spends its CPU under closed-loop load: runs one or two hops with
 * `node --cpu-prof`, drives them with wrk, stops them (the profile is written on exit)
 * and summarises self time by function and by file into bench/results/proxy-profile.json.
 *
 *   node --import tsx bench/proxy/profile.ts [--path oneHop|twoHop] [--seconds 10] [--bundle]
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadTools, runWrk } from '../lib/load.ts';
import { totalCpuSeconds } from '../lib/proc.ts';
import { stopAll } from '../lib/spawn.ts';
import { ensureTool, which } from '../lib/tools.ts';
import { bundleProxy } from './bundle.ts';
import { type CpuProfile, monotonicUs, summarise } from './cpu-profile.ts';
import { runBench, startBenchUpstream } from './harness.ts';
import { startWeft, type WeftProxy } from './weft.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string, dflt: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : dflt;
  };
  const which2 = arg('--path', 'twoHop');
  const seconds = Number(arg('--seconds', '10'));
  const taskset = os.cpus().length >= 2 ? which('taskset') : null;
  const wrk = ensureTool('wrk', 'wrk', log);
  if (wrk === null) throw new Error('wrk is required');
  const tools: LoadTools = { wrk, olg: null, taskset, cpu: '1' };
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'weft-prof-'));
  try {
    const bundle = argv.includes('--bundle') ? bundleProxy(repoRoot, workDir) : null;
    const upstreamPort = await startBenchUpstream(repoRoot, taskset);
    const common = (name: string) => {
      const dir = path.join(workDir, name);
      mkdirSync(dir);
      return {
        repoRoot,
        workDir,
        name,
        taskset,
        cpu: '0',
        bundle,
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
        env: { WEFT_PROXY_DRAIN_GRACE_MS: '300' },
      };
    };
    const server = await startWeft({ ...common('server'), appPort: upstreamPort });
    const proxies: { name: string; p: WeftProxy }[] = [{ name: 'server', p: server }];
    let port = server.inboundPort;
    if (which2 === 'twoHop') {
      const client = await startWeft({
        ...common('client'),
        routes: (own) => [
          {
            authority: `127.0.0.1:${own.outboundPort}`,
            endpoints: [{ address: '127.0.0.1', port: server.inboundPort }],
          },
        ],
      });
      proxies.unshift({ name: 'client', p: client });
      port = client.outboundPort;
    }
    await runWrk(tools, port, 2);
    const pids = proxies.map((x) => x.p.proc.pid);
    const cpu0 = totalCpuSeconds(pids);
    const fromUs = monotonicUs();
    const load = await runWrk(tools, port, seconds);
    const toUs = monotonicUs();
    const cpuUsPerReq = ((totalCpuSeconds(pids) - cpu0) * 1e6) / Math.max(1, load.requests);
    for (const x of proxies) await x.p.proc.stop();
    const out: Record<string, unknown> = {
      path: which2,
      mode: bundle ? 'esbuild bundle' : 'source under tsx',
      seconds,
      rps: Math.round(load.rps),
      cpuUsPerReq: Math.round(cpuUsPerReq * 10) / 10,
      loadAverage: os.loadavg(),
      note:
        'Per proxy process: busyPct is the share of non-idle samples during the wrk run; functions and files ' +
        'are self time as a percent of those busy samples (start-up excluded).',
    };
    log(`${which2}: ${Math.round(load.rps)} rps, ${cpuUsPerReq.toFixed(1)} µs CPU per request (all proxies)`);
    for (const x of proxies) {
      const dir = path.join(workDir, x.name);
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (file === undefined) {
        log(`${x.name}: no profile written`);
        continue;
      }
      const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
      const summary = summarise(profile, fromUs, toUs);
      out[x.name] = summary;
      log(`\n${x.name} proxy, busy ${summary.busyPct}% of the load window; top self time (% of busy):`);
      for (const r of summary.functions.slice(0, 15)) log(`  ${String(r.selfPct).padStart(5)}%  ${r.name}`);
    }
    const outFile = path.join(repoRoot, 'bench/results/proxy-profile.json');
    mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(out, null, 2)}\n`);
    log(`\nwrote ${path.relative(repoRoot, outFile)}`);
  } finally {
    await stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

runBench('profile', main);
