/**
 * The HTTP/2 part of the proxy benchmark, direct and through one Weft hop (the inbound
 * listener, h2c prior knowledge, balanced per stream over a pooled session), closed loop
 * with h2load (10 connections × 10 concurrent streams) against a `node:http2` upstream
 * answering as a gRPC server does (`upstream-h2.ts`). Three rows:
 *
 * - `h2`: GETs answered gRPC-style (headers, one small message, `grpc-status` trailers);
 * - `grpcUnary`: unary gRPC calls (POST `application/grpc`, `te: trailers`, one request
 *   message, one response message, trailers);
 * - `grpcStream`: server-streaming gRPC calls (one request message, `STREAM_MESSAGES`
 *   response messages, trailers); rates also in messages per second.
 *
 * Each row also runs the same load through `h2-floor.ts`, the least a `node:http2` forwarder
 * does per stream, started with the proxy's Node flags: what the runtime itself costs, so
 * that Weft's figures read against the floor of any Node forwarder on this machine.
 *
 * Proxy CPU µs per request (call) comes from /proc over each run; calls the proxy counted
 * as failures (a gRPC status other than 0 still travels as HTTP 200, which h2load counts
 * as a success) are read from its `/metrics` and reported as errors.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { proxyNodeArgs } from '../../apps/controller/src/platform/local/proxy-entry.ts';
import { type H2loadRequest, type LoadTools, runH2load } from '../lib/load.ts';
import { rss, sampleRss, totalCpuSeconds } from '../lib/proc.ts';
import { fetchMetrics, sumSamples } from '../lib/prom.ts';
import { freePort, spawnPinned, waitForPort } from '../lib/spawn.ts';
import { median, round } from '../lib/stats.ts';
import { grpcMessage, STREAM_MESSAGES, STREAM_PATH, UNARY_PATH } from './grpc-calls.ts';
import type { BenchContext } from './paths.ts';
import { startWeft } from './weft.ts';

/** One row: direct and one-hop figures, medians of the repetitions. */
export interface H2RowResult {
  direct: { rps: number | null };
  oneHop: {
    rps: number | null;
    cpuUsPerReq: number | null;
    rssLoadMb: number | null;
  };
  oneHopRpsVsDirect: number | null;
  /** The minimal `node:http2` forwarder (`h2-floor.ts`) under the same load. */
  floor: { rps: number | null; cpuUsPerReq: number | null; rssLoadMb: number | null };
  /** Requests h2load saw fail, plus those the proxy counted as failures. */
  errors: number;
}

export interface H2BenchResult extends H2RowResult {
  oneHop: H2RowResult['oneHop'] & { rssIdleMb: number | null };
  /** Unary gRPC calls (rps: calls per second). */
  grpcUnary: H2RowResult;
  /** Server-streaming gRPC calls (rps: calls per second; `messagesPerCall` messages each). */
  grpcStream: H2RowResult & {
    messagesPerCall: number;
    directMessagesPerS: number | null;
    oneHopMessagesPerS: number | null;
    oneHopCpuUsPerMessage: number | null;
  };
  /** Node flags the proxy ran with (those the local platform gives a meshed pod's proxy). */
  proxyNodeArgs: string[];
}

const GRPC_HEADERS = ['content-type: application/grpc', 'te: trailers'];

export async function benchH2(
  ctx: BenchContext,
  tools: LoadTools,
  h2load: string,
  reps: number,
  seconds: number,
): Promise<H2BenchResult> {
  const upstreamPort = await freePort();
  const upstream = spawnPinned(ctx.taskset, ctx.serverCpu, process.execPath, [
    '--import',
    'tsx',
    path.join(ctx.repoRoot, 'bench/proxy/upstream-h2.ts'),
    String(upstreamPort),
  ]);
  await waitForPort(upstreamPort, upstream);
  // As the local platform runs the bundle beside a meshed pod (its flags, then the file).
  const nodeArgs = ctx.bundle ? proxyNodeArgs(ctx.bundle).slice(0, -1) : [];
  const floorPort = await freePort();
  const floorProc = spawnPinned(ctx.taskset, ctx.serverCpu, process.execPath, [
    ...nodeArgs,
    '--import',
    'tsx',
    path.join(ctx.repoRoot, 'bench/proxy/h2-floor.ts'),
    String(floorPort),
    String(upstreamPort),
  ]);
  await waitForPort(floorPort, floorProc);
  const floor = { pid: floorProc.pid, port: floorPort };
  const proxy = await startWeft({
    repoRoot: ctx.repoRoot,
    workDir: ctx.workDir,
    name: 'h2-one-hop',
    bundle: ctx.bundle,
    taskset: ctx.taskset,
    cpu: ctx.serverCpu,
    appPort: upstreamPort,
    nodeArgs,
  });
  const requestFile = path.join(ctx.workDir, 'grpc-request.bin');
  writeFileSync(requestFile, grpcMessage(20));
  const grpc = (p: string): H2loadRequest => ({ path: p, dataFile: requestFile, headers: GRPC_HEADERS });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const idle = rss(proxy.proc.pid);
    const run = (request: H2loadRequest) =>
      measureRow(h2load, tools, upstreamPort, proxy, floor, request, reps, seconds);
    const h2 = await run({});
    const grpcUnary = await run(grpc(UNARY_PATH));
    const grpcStream = await run(grpc(STREAM_PATH));
    const perMessage = (v: number | null, f: (x: number) => number | null) => (v === null ? null : f(v));
    return {
      ...h2,
      oneHop: { ...h2.oneHop, rssIdleMb: round(idle.rssMb, 1) },
      grpcUnary,
      grpcStream: {
        ...grpcStream,
        messagesPerCall: STREAM_MESSAGES,
        directMessagesPerS: perMessage(grpcStream.direct.rps, (x) => x * STREAM_MESSAGES),
        oneHopMessagesPerS: perMessage(grpcStream.oneHop.rps, (x) => x * STREAM_MESSAGES),
        oneHopCpuUsPerMessage: perMessage(grpcStream.oneHop.cpuUsPerReq, (x) =>
          round(x / STREAM_MESSAGES, 2),
        ),
      },
      proxyNodeArgs: nodeArgs,
    };
  } finally {
    await proxy.proc.stop();
    await floorProc.stop();
    await upstream.stop();
  }
}

/** Alternates direct, one-hop and floor runs of one kind of request, `reps` times each. */
async function measureRow(
  h2load: string,
  tools: LoadTools,
  upstreamPort: number,
  proxy: { proc: { pid: number }; inboundPort: number; adminPort: number },
  floor: { pid: number; port: number },
  request: H2loadRequest,
  reps: number,
  seconds: number,
): Promise<H2RowResult> {
  const pid = proxy.proc.pid;
  const direct: number[] = [];
  const hop: number[] = [];
  const cpu: number[] = [];
  const load: number[] = [];
  const floorRps: number[] = [];
  const floorCpu: number[] = [];
  const floorLoad: number[] = [];
  let errors = 0;
  for (let i = 0; i < reps; i++) {
    const d = await runH2load(h2load, tools, upstreamPort, seconds, 10, 10, request);
    direct.push(d.rps);
    const failed0 = await proxyFailures(proxy.adminPort);
    const cpu0 = totalCpuSeconds([pid]);
    const sampler = sampleRss(() => [pid]);
    const h = await runH2load(h2load, tools, proxy.inboundPort, seconds, 10, 10, request);
    load.push(sampler.stop().rssMb);
    // The CPU window includes h2load's one-second warm-up: count its requests too, at the same rate.
    cpu.push(((totalCpuSeconds([pid]) - cpu0) * 1e6) / Math.max(1, h.rps * (seconds + 1)));
    hop.push(h.rps);
    errors += d.errors + h.errors + ((await proxyFailures(proxy.adminPort)) - failed0);
    const f = await loadProcess(h2load, tools, floor.pid, floor.port, request, seconds);
    floorRps.push(f.rps);
    floorCpu.push(f.cpuUsPerReq);
    floorLoad.push(f.rssMb);
  }
  const rpsDirect = median(direct);
  const rpsHop = median(hop);
  return {
    direct: { rps: round(rpsDirect, 0) },
    oneHop: { rps: round(rpsHop, 0), cpuUsPerReq: round(median(cpu), 1), rssLoadMb: round(median(load), 1) },
    oneHopRpsVsDirect: round(rpsHop / rpsDirect, 3),
    floor: {
      rps: round(median(floorRps), 0),
      cpuUsPerReq: round(median(floorCpu), 1),
      rssLoadMb: round(median(floorLoad), 1),
    },
    errors,
  };
}

/** One h2load run through the process `pid` listening on `port`: rps, its CPU µs per request, peak RSS. */
async function loadProcess(
  h2load: string,
  tools: LoadTools,
  pid: number,
  port: number,
  request: H2loadRequest,
  seconds: number,
): Promise<{ rps: number; cpuUsPerReq: number; rssMb: number }> {
  const cpu0 = totalCpuSeconds([pid]);
  const sampler = sampleRss(() => [pid]);
  const r = await runH2load(h2load, tools, port, seconds, 10, 10, request);
  const rssMb = sampler.stop().rssMb;
  // as for the proxy: the CPU window includes h2load's one-second warm-up
  return {
    rps: r.rps,
    cpuUsPerReq: ((totalCpuSeconds([pid]) - cpu0) * 1e6) / Math.max(1, r.rps * (seconds + 1)),
    rssMb,
  };
}

/** Responses the proxy counted as failures so far (a gRPC status other than 0, a 5xx). */
async function proxyFailures(adminPort: number): Promise<number> {
  return sumSamples(await fetchMetrics(adminPort), 'response_total', { classification: 'failure' });
}
