/**
 * What an HTTP/2 framing layer of our own gives: the same closed-loop h2load run as the
 * HTTP/2 section of the proxy benchmark (`h2.ts`: 10 connections × 10 streams, h2c, against
 * `upstream-h2.ts`) direct, through one Weft hop (the production bundle, the platform's node
 * flags), through the node:http2 floor (`h2-floor.ts`) and through the h2wire forwarder
 * (`h2-wire-floor.ts`), the last two with the proxy's node flags. In each repetition the
 * four take turns (the forwarders' order rotating), and while one is measured the others
 * are held still with SIGSTOP. Per turn: calls/s, the forwarder's CPU µs per call (/proc,
 * over h2load's warm-up too, as h2.ts counts it), peak RSS and private part (RssAnon); then
 * medians and ratios. The two forwarders run as esbuild bundles with plain node, as the
 * proxy does (no tsx loader in their memory).
 *
 *   node --import tsx bench/proxy/h2-wire-bench.ts [--quick] [--reps 3] [--seconds 3]
 *     [--rows h2,grpcUnary,grpcStream] [--no-weft]
 *
 * `--quick`: one repetition of 2 s, the `h2` row only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { proxyNodeArgs } from '../../apps/controller/src/platform/local/proxy-entry.ts';
import { type H2loadRequest, type LoadTools, runH2load } from '../lib/load.ts';
import { sampleRss, totalCpuSeconds } from '../lib/proc.ts';
import { freePort, type Spawned, spawnPinned, stopAll, waitForPort } from '../lib/spawn.ts';
import { median, round } from '../lib/stats.ts';
import { ensureTool } from '../lib/tools.ts';
import { abArgs, pinToLoadCore } from './ab-loop.ts';
import { bundleProxy } from './bundle.ts';
import { grpcMessage, STREAM_PATH, UNARY_PATH } from './grpc-calls.ts';
import { startWeft } from './weft.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (line: string) => process.stdout.write(`${line}\n`);

interface Target {
  name: string;
  pid: number;
  port: number;
}

interface Turn {
  rps: number;
  cpu: number;
  rssMb: number;
  anonMb: number;
  errors: number;
}

async function measure(
  h2load: string,
  tools: LoadTools,
  t: Target,
  others: readonly Target[],
  request: H2loadRequest,
  seconds: number,
): Promise<Turn> {
  for (const o of others) process.kill(o.pid, 'SIGSTOP');
  try {
    const cpu0 = totalCpuSeconds([t.pid]);
    const sampler = sampleRss(() => [t.pid]);
    const r = await runH2load(h2load, tools, t.port, seconds, 10, 10, request);
    const { rssMb, anonMb } = sampler.stop();
    const cpu = ((totalCpuSeconds([t.pid]) - cpu0) * 1e6) / Math.max(1, r.rps * (seconds + 1));
    return { rps: r.rps, cpu, rssMb, anonMb, errors: r.errors };
  } finally {
    for (const o of others) process.kill(o.pid, 'SIGCONT');
  }
}

async function main(): Promise<void> {
  const args = abArgs(process.argv.slice(2));
  const quick = args.has('--quick');
  const reps = quick ? 1 : Number(args.arg('--reps') ?? 3);
  const seconds = quick ? 2 : args.seconds;
  const rows = (args.arg('--rows') ?? (quick ? 'h2' : 'h2,grpcUnary,grpcStream')).split(',');
  const taskset = pinToLoadCore();
  const h2load = ensureTool('h2load', 'nghttp2-client', log);
  if (h2load === null) throw new Error('h2load is required');
  const tools: LoadTools = { wrk: '', olg: null, taskset, cpu: '1' };
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'weft-h2-wire-'));
  try {
    const bundle = args.has('--no-weft') ? null : bundleProxy(repoRoot, workDir);
    // the proxy's node flags, as the platform gives them to a meshed pod's proxy
    const nodeArgs = proxyNodeArgs(bundle ?? path.join(workDir, 'x.cjs')).slice(0, -1);
    const requestFile = path.join(workDir, 'grpc-request.bin');
    writeFileSync(requestFile, grpcMessage(20));
    const upstreamPort = await freePort();
    const upstream = spawnPinned(taskset, '0', process.execPath, [
      '--import',
      'tsx',
      path.join(repoRoot, 'bench/proxy/upstream-h2.ts'),
      String(upstreamPort),
    ]);
    await waitForPort(upstreamPort, upstream);
    const forwarder = async (name: string, file: string): Promise<Target> => {
      const port = await freePort();
      const outfile = path.join(workDir, `${name}.mjs`);
      buildSync({
        entryPoints: [path.join(repoRoot, 'bench/proxy', file)],
        bundle: true,
        platform: 'node',
        format: 'esm',
        outfile,
        logLevel: 'warning',
      });
      const p: Spawned = spawnPinned(taskset, '0', process.execPath, [
        ...nodeArgs,
        outfile,
        String(port),
        String(upstreamPort),
      ]);
      await waitForPort(port, p);
      return { name, pid: p.pid, port };
    };
    const targets: Target[] = [];
    if (bundle !== null) {
      const weft = await startWeft({
        repoRoot,
        workDir,
        name: 'h2-wire-weft',
        bundle,
        taskset,
        cpu: '0',
        appPort: upstreamPort,
        nodeArgs,
      });
      targets.push({ name: 'weft', pid: weft.proc.pid, port: weft.inboundPort });
    }
    targets.push(await forwarder('nodeFloor', 'h2-floor.ts'));
    targets.push(await forwarder('wire', 'h2-wire-floor.ts'));
    const direct: Target = { name: 'direct', pid: upstream.pid, port: upstreamPort };
    await new Promise((r) => setTimeout(r, 500));
    log(
      `h2load -c10 -m10, ${seconds} s after a 1 s warm-up, ${reps} repetitions; node flags ${JSON.stringify(nodeArgs)}`,
    );
    for (const row of rows) {
      const request: H2loadRequest =
        row === 'h2'
          ? {}
          : {
              path: row === 'grpcStream' ? STREAM_PATH : UNARY_PATH,
              dataFile: requestFile,
              headers: ['content-type: application/grpc', 'te: trailers'],
            };
      const turns = new Map<string, Turn[]>();
      for (let rep = 0; rep < reps; rep++) {
        const order = [
          direct,
          ...targets.slice(rep % targets.length),
          ...targets.slice(0, rep % targets.length),
        ];
        for (const t of order) {
          const others = t === direct ? targets : targets.filter((o) => o !== t);
          const turn = await measure(h2load, tools, t, others, request, seconds);
          turns.set(t.name, [...(turns.get(t.name) ?? []), turn]);
          log(
            `${row} #${rep + 1} ${t.name}: ${Math.round(turn.rps)} calls/s` +
              (t === direct
                ? ''
                : `, ${turn.cpu.toFixed(1)} µs CPU/call, peak RSS ${turn.rssMb.toFixed(1)} MB (private ${turn.anonMb.toFixed(1)})`) +
              `, ${turn.errors} errors`,
          );
        }
      }
      const med = (name: string, f: (t: Turn) => number) => median((turns.get(name) ?? []).map(f));
      const directRps = med('direct', (t) => t.rps);
      log(`\n${row}, medians of ${reps}: direct ${round(directRps, 0)} calls/s`);
      for (const t of targets) {
        log(
          `  ${t.name.padEnd(10)} ${round(
            med(t.name, (x) => x.rps),
            0,
          )} calls/s = ${round(med(t.name, (x) => x.rps) / directRps, 3)} × direct, ` +
            `${round(
              med(t.name, (x) => x.cpu),
              1,
            )} µs CPU/call, peak RSS ${round(
              med(t.name, (x) => x.rssMb),
              1,
            )} MB (private ${round(
              med(t.name, (x) => x.anonMb),
              1,
            )}), ` +
            `errors ${(turns.get(t.name) ?? []).reduce((s, x) => s + x.errors, 0)}`,
        );
      }
      log('');
    }
  } finally {
    await stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch(async (err: unknown) => {
  process.stderr.write(`h2-wire-bench: ${(err as Error).stack}\n`);
  await stopAll();
  process.exit(1);
});
