/**
 * Where the latency tail at a fixed 1,000 requests/s comes from. `direct` and two-hop paths
 * (mTLS, and with `--plain` plaintext; one set per `--bundles` entry) take turns; during
 * each run the generator logs every request's scheduled, sent and answered times
 * (`olg-log.ts`) and the upstream and every proxy, all on core 0, log their GC pauses and
 * event-loop stalls on the same clock (`tail-probe.mjs`). Per run: p50/p99/p99.9, the
 * connections the path's proxies opened to their endpoints, each process's GC and stalls,
 * and what each slow request (at or over the run's p99, at least 1 ms) overlapped
 * (`tail-classify.ts`). `--timeline` prints what happened around the slowest request of
 * runs whose worst exceeds 10 ms. `--wrk S` precedes each run with `wrk -c50` for 1 + S s,
 * as `bench:proxy` does (pools then hold 50 connections); without it pools keep what the
 * fixed rate needs.
 *
 *   node --import tsx bench/proxy/tail.ts [--reps 3] [--seconds 5] [--wrk 3] [--plain] [--timeline]
 *     [--bundles A=DIR/weft-proxy.cjs,B=DIR/weft-proxy.cjs]      (default: this checkout's build)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { meshIdentity } from '@weft/shared';
import { buildOlgWithLog, readRequestLog } from '../lib/olg-log.ts';
import { totalCpuSeconds } from '../lib/proc.ts';
import { fetchMetrics, sumSamples } from '../lib/prom.ts';
import { freePort, spawnPinned, stopAll, waitForPort } from '../lib/spawn.ts';
import { abArgs, pinToLoadCore } from './ab-loop.ts';
import { bundleProxy } from './bundle.ts';
import { identityEnv, runBench } from './harness.ts';
import { BENCH_NS, BENCH_SA, startIdentityApi } from './mtls.ts';
import { classify, eventSummary, readProbes, timeline } from './tail-classify.ts';
import { startWeft } from './weft.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const PROBE = path.join(here, 'tail-probe.mjs');
const log = (line: string) => process.stdout.write(`${line}\n`);

interface Path {
  key: string;
  port: number;
  adminPorts: number[];
  pids: number[];
}

async function endpointOpens(p: Path): Promise<number[]> {
  const out: number[] = [];
  for (const port of p.adminPorts)
    out.push(sumSamples(await fetchMetrics(port), 'tcp_open_total', { peer: 'dst' }));
  return out;
}

async function waitReady(adminPort: number): Promise<void> {
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${adminPort}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (i > 400) throw new Error('proxy got no certificate in 20 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function wrk(port: number, seconds: number): void {
  execFileSync('wrk', ['-t1', '-c50', `-d${seconds}s`, `http://127.0.0.1:${port}/`], { stdio: 'ignore' });
}

async function main(): Promise<void> {
  const args = abArgs(process.argv.slice(2));
  const reps = Number(args.arg('--reps') ?? 3);
  const seconds = Number(args.arg('--seconds') ?? 5);
  const wrkS = args.arg('--wrk');
  const taskset = pinToLoadCore();
  const olg = buildOlgWithLog(repoRoot, log);
  if (olg === null) throw new Error('the logging generator could not be built');
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'weft-tail-'));
  const probeDir = path.join(workDir, 'probe');
  mkdirSync(probeDir);
  const names = new Map<number, string>();
  const probeEnv = { TAIL_PROBE_DIR: probeDir };
  try {
    const given = args.arg('--bundles');
    const bundles = given
      ? given.split(',').map((b) => b.split('=') as [string, string])
      : [['', bundleProxy(repoRoot, workDir)] as [string, string]];
    const upPort = await freePort();
    const upstream = spawnPinned(
      taskset,
      '0',
      process.execPath,
      ['--import', PROBE, '--import', 'tsx', path.join(here, 'upstream.ts'), String(upPort)],
      { ...process.env, ...probeEnv },
    );
    await waitForPort(upPort, upstream);
    names.set(upstream.pid, 'upstream');
    const stateDir = path.join(workDir, 'identity-state');
    mkdirSync(stateDir);
    const api = await startIdentityApi(stateDir);
    const paths: Path[] = [{ key: 'direct', port: upPort, adminPorts: [], pids: [] }];
    for (const [label, bundle] of bundles) {
      for (const meshed of args.has('--plain') ? [false, true] : [true]) {
        const key = `${meshed ? 'twoHopMtls' : 'twoHop'}${label}`;
        const env = { WEFT_PROXY_DRAIN_GRACE_MS: '300', ...probeEnv, ...(meshed ? identityEnv(api) : {}) };
        const common = (name: string) => ({
          repoRoot,
          workDir,
          name: `${key.toLowerCase()}-${name}`,
          taskset,
          cpu: '0',
          bundle,
          env,
          nodeArgs: ['--import', PROBE],
        });
        const server = await startWeft({ ...common('server'), appPort: upPort });
        const identity = meshed ? { identity: meshIdentity(BENCH_SA, BENCH_NS) } : {};
        const client = await startWeft({
          ...common('client'),
          routes: (own) => [
            {
              authority: `127.0.0.1:${own.outboundPort}`,
              endpoints: [{ address: '127.0.0.1', port: server.inboundPort, meshed, ...identity }],
            },
          ],
        });
        for (const p of [server, client]) await waitReady(p.adminPort);
        names.set(server.proc.pid, `${key}-server`);
        names.set(client.proc.pid, `${key}-client`);
        paths.push({
          key,
          port: client.outboundPort,
          adminPorts: [client.adminPort, server.adminPort],
          pids: [client.proc.pid, server.proc.pid],
        });
      }
    }
    for (const p of paths) wrk(p.port, 1);
    for (let r = 0; r < reps; r++) {
      for (let i = 0; i < paths.length; i++) {
        const p = paths[(i + r) % paths.length] as Path;
        if (wrkS !== undefined) {
          wrk(p.port, 1);
          wrk(p.port, Number(wrkS));
        }
        for (const f of readdirSync(probeDir)) rmSync(path.join(probeDir, f));
        const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
        const opens0 = await endpointOpens(p);
        const cpu0 = totalCpuSeconds(p.pids);
        const file = path.join(workDir, 'requests.log');
        const out = execFileSync(olg, [String(p.port), '1000', String(seconds), '50', '1'], {
          env: { ...process.env, OLG_LOG: file },
          encoding: 'utf8',
        });
        // over the warm-up second too: 1,000 requests a second for seconds + 1
        const cpuS = totalCpuSeconds(p.pids) - cpu0;
        await new Promise((res) => setTimeout(res, 700)); // the probes flush every 500 ms
        const opens = (await endpointOpens(p)).map((n, k) => n - (opens0[k] as number));
        const j = JSON.parse(out.trim().split('\n').pop() as string) as Record<string, number>;
        const reqs = readRequestLog(file);
        const lat = reqs.map((q) => (q.answered - q.scheduled) / 1e6).sort((a, b) => a - b);
        const slowMs = Math.max(lat[Math.floor(0.99 * (lat.length - 1))] ?? 0, 1);
        const events = readProbes(probeDir, names);
        const own = (who: string) => who === 'upstream' || who.startsWith(`${p.key}-`);
        const classes: Record<string, number> = {};
        for (const q of reqs) {
          if ((q.answered - q.scheduled) / 1e6 < slowMs) continue;
          const c = classify(q, events, own);
          classes[c] = (classes[c] ?? 0) + 1;
        }
        log(
          `rep ${r + 1} ${p.key.padEnd(12)} load ${load}: p50/p99/p99.9/max ${j.c_p50}/${j.c_p99}/${j.c_p999}/${j.c_max} ms` +
            `${opens.length ? `, endpoint connections opened (client/server) ${opens.join('/')}` : ''}` +
            `${p.pids.length ? `, proxies' CPU ${((cpuS * 1e6) / (1000 * (seconds + 1))).toFixed(1)} µs/request` : ''}`,
        );
        log(`    slow requests (>= ${slowMs.toFixed(2)} ms) met: ${JSON.stringify(classes)}`);
        for (const who of [...new Set(events.map((e) => e.who))].sort())
          log(
            `    ${who.padEnd(20)} GC ${eventSummary(events, (e) => e.who === who && e.kind !== 'stall')}, ` +
              `stalls ${eventSummary(events, (e) => e.who === who && e.kind === 'stall')}`,
          );
        if (args.has('--timeline') && (j.c_max ?? 0) > 10)
          for (const line of timeline(reqs, events)) log(`      ${line}`);
      }
    }
  } finally {
    await stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

runBench('tail', main, 'stack');
