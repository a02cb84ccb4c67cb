/**
 * The proxy benchmark (`npm run bench:proxy`): what one and two Weft hops cost next to a
 * direct connection and to nginx, measured in one run on this machine.
 *
 * For each path (paths.ts) and each repetition: closed-loop throughput (`wrk -t1 -c50`),
 * latency p50/p99 at fixed rates of 1,000 and 2,000 requests/s (open loop, corrected for
 * coordinated omission), proxy RSS (idle, and peak under the closed-loop load) and proxy
 * CPU per request (from /proc/PID/stat). The upstream and the proxies run on core 0, the
 * load generator on core 1 (taskset); the other paths' proxies are held still (SIGSTOP)
 * while one path is measured (isolate.ts). Then 1 GB streamed through each Weft path in each
 * direction, with the proxies' peak RSS. Prints a table of medians and writes
 * bench/results/proxy.json.
 *
 *   npm run bench:proxy -- [--reps 3] [--seconds 3] [--paths direct,nginx,oneHop,twoHop,twoHopMtls]
 *                          [--big-mb 1024] [--big-paths oneHop] [--no-h2] [--source] [--quick]
 *                          [--startup-runs 9] [--idle-runs 5] [--only=startup,idle]
 *
 * The proxies run the production build (bundle.ts: the esbuild bundle with its launcher and
 * code cache), as meshed pods do; `--source` runs them from the sources under tsx instead.
 * Either way, the idle RSS of a one-hop proxy in the other mode is measured too. Proxy
 * start-up (spawn to ready, startup.ts) is always timed on the build, and so is its idle
 * private memory with identity off and on (idle.ts; meshed pods run with identity on).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadTools, runOpenLoop, runWrk } from '../lib/load.ts';
import { type Rss, rss, sampleRss, totalCpuSeconds } from '../lib/proc.ts';
import { fetchMetrics, sumSamples } from '../lib/prom.ts';
import { stopAll } from '../lib/spawn.ts';
import { median, round } from '../lib/stats.ts';
import { buildOlg, ensureTool, which } from '../lib/tools.ts';
import { type BigBodyResult, measureBigBody } from './big-body.ts';
import { bundleProxy } from './bundle.ts';
import { benchH2, type H2BenchResult, type H2RowResult } from './h2.ts';
import { runBench, startBenchUpstream } from './harness.ts';
import { describeIdle, type IdleResult, idleRssOtherMode, measureIdle } from './idle.ts';
import { holdStill } from './isolate.ts';
import { BIG_BODY_DEADLINE_MS, parseArgs } from './options.ts';
import { type BenchContext, PATHS, type PathSpec, type RunningPath } from './paths.ts';
import { computeRatios, type Summary } from './ratios.ts';
import { measureStartup, type StartupResult } from './startup.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (line: string) => process.stdout.write(`${line}\n`);

// === one repetition of one path ===

interface Sample {
  rps: number;
  errors: number;
  cpuUsPerReq: number | null;
  rssLoad: Rss | null;
  p50Ms1k: number;
  p99Ms1k: number;
  p50Ms2k: number;
  p99Ms2k: number;
  openLoopErrors: number;
  /** Connections opened to endpoints per 1,000 requests during the closed-loop run. */
  endpointConnsPerKReq: number | null;
}

/** The largest single proxy's RSS (the per-proxy figure the targets are about). */
function maxRss(pids: number[]): Rss {
  const out = { rssMb: 0, anonMb: 0 };
  for (const p of pids) {
    const r = rss(p);
    out.rssMb = Math.max(out.rssMb, r.rssMb);
    out.anonMb = Math.max(out.anonMb, r.anonMb);
  }
  return out;
}

async function measure(tools: LoadTools, p: RunningPath, seconds: number): Promise<Sample> {
  // Pools to endpoints outside the mesh close after 4 s idle, as they may have while the
  // other paths took their turns: re-open them first, so every path is measured with its
  // connections established.
  await runWrk(tools, p.port, 1);
  const pids = p.proxyPids();
  const opens0 = await endpointOpens(p);
  const cpu0 = totalCpuSeconds(pids);
  const samplers = pids.map((pid) => sampleRss(() => [pid], 100));
  const wrk = await runWrk(tools, p.port, seconds);
  const cpu1 = totalCpuSeconds(pids);
  const opens1 = await endpointOpens(p);
  const peaks = samplers.map((s) => s.stop());
  const rssLoad =
    pids.length === 0
      ? null
      : {
          rssMb: Math.max(...peaks.map((r) => r.rssMb)),
          anonMb: Math.max(...peaks.map((r) => r.anonMb)),
        };
  const at1k = await runOpenLoop(tools, p.port, 1000, seconds, 1);
  const at2k = await runOpenLoop(tools, p.port, 2000, seconds, 1);
  return {
    rps: wrk.rps,
    errors: wrk.errors,
    cpuUsPerReq: pids.length === 0 || wrk.requests === 0 ? null : ((cpu1 - cpu0) * 1e6) / wrk.requests,
    rssLoad,
    p50Ms1k: at1k.p50Ms,
    p99Ms1k: at1k.p99Ms,
    p50Ms2k: at2k.p50Ms,
    p99Ms2k: at2k.p99Ms,
    openLoopErrors: at1k.errors + at2k.errors,
    endpointConnsPerKReq:
      opens0 === null || opens1 === null || wrk.requests === 0
        ? null
        : ((opens1 - opens0) * 1000) / wrk.requests,
  };
}

/**
 * Connections the path's proxies opened to their endpoints so far (`tcp_open_total`
 * with `peer="dst"`, summed), or null for a path without Weft admin ports. Over a
 * closed-loop run with keep-alive, pooling should make this close to nothing.
 */
async function endpointOpens(p: RunningPath): Promise<number | null> {
  if (p.adminPorts === undefined || p.adminPorts.length === 0) return null;
  let n = 0;
  for (const port of p.adminPorts)
    n += sumSamples(await fetchMetrics(port), 'tcp_open_total', { peer: 'dst' });
  return n;
}

// === summary ===

function summarise(samples: Sample[], idle: Rss | null, proxied: boolean): Summary {
  const m = (f: (s: Sample) => number | null) => round(median(samples.map((s) => f(s) ?? Number.NaN)), 3);
  const out: Summary = {
    rps: round(median(samples.map((s) => s.rps)), 0),
    p50Ms1k: m((s) => s.p50Ms1k),
    p99Ms1k: m((s) => s.p99Ms1k),
    p50Ms2k: m((s) => s.p50Ms2k),
    p99Ms2k: m((s) => s.p99Ms2k),
  };
  if (proxied) {
    out.rssIdleMb = round(idle?.rssMb ?? Number.NaN, 1);
    out.rssLoadMb = m((s) => s.rssLoad?.rssMb ?? null);
    out.rssAnonIdleMb = round(idle?.anonMb ?? Number.NaN, 1);
    out.rssAnonLoadMb = m((s) => s.rssLoad?.anonMb ?? null);
    out.cpuUsPerReq = m((s) => s.cpuUsPerReq);
    out.endpointConnsPerKReq = m((s) => s.endpointConnsPerKReq);
  }
  out.errors = samples.reduce((n, s) => n + s.errors + s.openLoopErrors, 0);
  out.runs = {
    rps: samples.map((s) => round(s.rps, 0)),
    p50Ms1k: samples.map((s) => round(s.p50Ms1k, 3)),
    p99Ms1k: samples.map((s) => round(s.p99Ms1k, 3)),
    cpuUsPerReq: samples.map((s) => (s.cpuUsPerReq === null ? null : round(s.cpuUsPerReq, 1))),
  };
  return out;
}

function printTable(results: Record<string, Summary>, specs: PathSpec[]): void {
  const cols = ['rps', 'p50Ms1k', 'p99Ms1k', 'p50Ms2k', 'p99Ms2k', 'cpuUsPerReq', 'rssIdleMb', 'rssLoadMb'];
  const head = ['path'.padEnd(28), ...cols.map((c) => c.padStart(11))].join(' ');
  log(head);
  log('-'.repeat(head.length));
  for (const spec of specs) {
    const r = results[spec.key];
    if (r === undefined) continue;
    const cells = cols.map((c) => {
      const v = r[c];
      return (typeof v === 'number' ? String(v) : '-').padStart(11);
    });
    log([spec.label.padEnd(28), ...cells].join(' '));
  }
}

// === main ===

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  log(
    `Weft proxy benchmark: ${o.reps} repetitions, ${o.seconds} s per measurement, ${os.cpus().length} cores`,
  );
  log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (other work on this machine makes figures noisy;`,
  );
  log('compare paths through the ratios and medians of this one run)');

  const taskset = os.cpus().length >= 2 ? which('taskset') : null;
  if (taskset === null) log('note: no taskset or a single core: processes are not pinned');
  else execFileSync(taskset, ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const wrk = ensureTool('wrk', 'wrk', log);
  if (wrk === null) throw new Error('wrk is required for the closed-loop measurements');
  const nginx = ensureTool('nginx', 'nginx', log);
  const olg = buildOlg(repoRoot, log);
  log(
    `fixed-rate generator: ${olg !== null ? 'olg (C, from ../shared/tools/olg.c)' : 'bench/lib/open-loop.ts (Node)'}`,
  );
  const tools: LoadTools = { wrk, olg, taskset, cpu: '1' };

  const workDir = mkdtempSync(path.join(os.tmpdir(), 'weft-bench-'));
  try {
    const upstreamPort = await startBenchUpstream(repoRoot, taskset);
    const bundle = bundleProxy(repoRoot, workDir);
    const ctx: BenchContext = {
      repoRoot,
      workDir,
      taskset,
      serverCpu: '0',
      upstreamPort,
      nginx,
      bundle: o.bundle ? bundle : null,
      log,
    };
    log(
      `proxies run ${o.bundle ? 'from the production build (esbuild bundle, launcher, code cache)' : 'from source under tsx (--source)'}`,
    );
    const otherMode = o.otherMode ? await idleRssOtherMode(ctx, o.bundle ? null : bundle) : {};

    const specs = PATHS.filter((s) => o.paths === null || o.paths.includes(s.key));
    const running = new Map<string, RunningPath>();
    for (const spec of specs) {
      try {
        const p = await spec.start(ctx);
        if (p === null) log(`skipped: ${spec.label} (see above)`);
        else running.set(spec.key, p);
      } catch (err) {
        log(`skipped: ${spec.label} failed to start: ${(err as Error).message}`);
      }
    }
    const active = specs.filter((s) => running.has(s.key));

    // Idle memory: started, listening, not yet used.
    await new Promise((r) => setTimeout(r, 1000));
    const idle = new Map<string, Rss>();
    for (const spec of active) {
      const pids = running.get(spec.key)?.proxyPids() ?? [];
      if (pids.length > 0) idle.set(spec.key, maxRss(pids));
    }
    // Warm-up (JIT, connection pools), not measured.
    for (const spec of active) await runWrk(tools, (running.get(spec.key) as RunningPath).port, 1);

    const samples = new Map<string, Sample[]>(active.map((s) => [s.key, []]));
    for (let rep = 1; rep <= o.reps; rep++) {
      for (const spec of active) {
        const others = active.filter((a) => a !== spec).flatMap((a) => running.get(a.key)?.proxyPids() ?? []);
        const resume = holdStill(others);
        let s: Sample;
        try {
          s = await measure(tools, running.get(spec.key) as RunningPath, o.seconds);
        } finally {
          resume();
        }
        samples.get(spec.key)?.push(s);
        log(
          `rep ${rep}/${o.reps} ${spec.label.padEnd(28)} ${Math.round(s.rps)} rps, p50/p99 @1k ${s.p50Ms1k.toFixed(3)}/${s.p99Ms1k.toFixed(3)} ms, @2k ${s.p50Ms2k.toFixed(3)}/${s.p99Ms2k.toFixed(3)} ms` +
            (s.cpuUsPerReq !== null ? `, ${s.cpuUsPerReq.toFixed(1)} µs CPU/req` : '') +
            (s.endpointConnsPerKReq !== null
              ? `, ${s.endpointConnsPerKReq.toFixed(1)} endpoint conns/1k req`
              : ''),
        );
      }
    }

    const results: Record<string, Summary> = {};
    for (const spec of active) {
      results[spec.key] = summarise(
        samples.get(spec.key) ?? [],
        idle.get(spec.key) ?? null,
        spec.key !== 'direct',
      );
    }

    // 1 GB through each Weft path, both directions.
    const bigBody: Record<string, BigBodyResult> = {};
    if (o.bigMb > 0) {
      for (const spec of active) {
        if (spec.key !== 'direct' && !o.bigPaths.includes(spec.key)) continue;
        const p = running.get(spec.key) as RunningPath;
        const r = await measureBigBody(
          p.port,
          () => p.proxyPids(),
          o.bigMb * 1024 * 1024,
          BIG_BODY_DEADLINE_MS,
        );
        bigBody[spec.key] = r;
        const state = (ok: boolean, n: number) =>
          ok ? 'ok' : `INCOMPLETE (${(n / 1048576).toFixed(0)} MB in ${BIG_BODY_DEADLINE_MS / 1000} s)`;
        const rssNote = (mb: number) => (spec.key === 'direct' ? '' : `, proxy peak RSS ${mb.toFixed(1)} MB`);
        log(
          `${spec.label}: ${o.bigMb} MB down ${state(r.downloadOk, r.downloadedBytes)} at ${r.downloadMBps.toFixed(0)} MB/s${rssNote(r.downloadPeakRssMb)}; ` +
            `up ${state(r.uploadOk, r.uploadedBytes)} at ${r.uploadMBps.toFixed(0)} MB/s${rssNote(r.uploadPeakRssMb)}`,
        );
      }
    }

    // HTTP/2 (gRPC-shaped), direct and one hop.
    let h2: H2BenchResult | null = null;
    if (o.h2) {
      const h2load = ensureTool('h2load', 'nghttp2-client', log);
      if (h2load !== null) {
        h2 = await benchH2(ctx, tools, h2load, o.reps, o.seconds);
        const row = (label: string, r: H2RowResult, unit = 'rps') =>
          log(
            `${label.padEnd(34)} direct ${r.direct.rps} ${unit}, one hop ${r.oneHop.rps} ${unit} ` +
              `(${r.oneHopRpsVsDirect} of direct), ${r.oneHop.cpuUsPerReq} µs CPU/req, ` +
              `RSS ${r.oneHop.rssLoadMb} MB under load, ${r.errors} errors; ` +
              `floor (h2-floor.ts) ${r.floor.rps} ${unit}, ${r.floor.cpuUsPerReq} µs CPU/req`,
          );
        row('HTTP/2 (h2load -c10 -m10)', h2);
        row('gRPC unary (h2load -c10 -m10)', h2.grpcUnary, 'calls/s');
        row(`gRPC server streaming (${h2.grpcStream.messagesPerCall} msgs)`, h2.grpcStream, 'calls/s');
      }
    }

    // Start-up of the bundle, as the local platform runs it beside a meshed pod.
    let startup: StartupResult | null = null;
    if (o.startupRuns > 0) {
      startup = await measureStartup({
        bundle,
        workDir,
        appPort: upstreamPort,
        taskset,
        cpu: '0',
        runs: o.startupRuns,
      });
      log(
        `proxy start-up (bundle, spawn to ready, median of ${o.startupRuns}): ${startup.proxyReadyMs} ms, ` +
          `${startup.proxyReadyCpuMs} ms CPU; an empty node: ${startup.nodeReadyMs} ms, ${startup.nodeReadyCpuMs} ms CPU`,
      );
    }

    // Idle private memory of the build, identity off and on (meshed pods run it on).
    let idleMemory: IdleResult | null = null;
    if (o.idleRuns > 0) {
      idleMemory = await measureIdle({ bundle, workDir, taskset, cpu: '0', runs: o.idleRuns });
      for (const line of describeIdle(idleMemory, o.idleRuns)) log(line);
    }

    const ratios = computeRatios(results, active, { h2, startup, idleMemory });

    log('');
    log(
      `medians of ${o.reps} repetitions (latencies in ms, RSS in MB per proxy process, CPU in µs per request):`,
    );
    printTable(results, active);
    log('');
    for (const [k, v] of Object.entries(ratios)) log(`${k.padEnd(28)} ${v ?? '-'}`);

    const output = {
      ...results,
      ratios,
      bigBody,
      h2,
      startup,
      idleMemory,
      meta: {
        date: new Date().toISOString(),
        reps: o.reps,
        secondsPerMeasurement: o.seconds,
        cores: os.cpus().length,
        pinned: taskset !== null ? 'upstream and proxies on core 0, load generator on core 1' : 'not pinned',
        proxyMode: o.bundle ? 'production build (esbuild bundle + code cache)' : 'source under tsx',
        oneHopIdleRssOtherMode: otherMode,
        fixedRateGenerator: olg !== null ? 'olg.c' : 'open-loop.ts',
        loadAverageAtEnd: os.loadavg(),
        node: process.version,
        nginx: nginx === null ? null : readVersion(nginx),
        note:
          'Medians of the repetitions. The machine is shared with other builds and tests, so absolute figures are ' +
          'noisy; the ratios compare paths measured in the same run. rssIdleMb/rssLoadMb are per proxy process ' +
          '(the largest, for two hops); cpuUsPerReq sums every proxy process of the path.',
        durationS: Math.round((Date.now() - started) / 1000),
      },
    };
    const outFile = path.join(repoRoot, 'bench/results/proxy.json');
    mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(output, null, 2)}\n`);
    log('');
    log(`wrote ${path.relative(repoRoot, outFile)} in ${output.meta.durationS} s`);
  } finally {
    await stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** `nginx -v` prints its version on stderr. */
function readVersion(nginx: string): string | null {
  try {
    return execFileSync('sh', ['-c', `"${nginx}" -v 2>&1`], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

runBench('bench:proxy', main);
