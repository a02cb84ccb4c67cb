/**
 * The HTTP/2 part of the proxy benchmark: gRPC-shaped unary responses (headers, a small
 * message, `grpc-status` trailers) from a `node:http2` upstream, closed loop with h2load
 * (10 connections × 10 concurrent streams), direct and through one Weft hop (the inbound
 * listener, h2c prior knowledge, balanced per stream over a pooled session).
 */
import path from 'node:path';
import { type LoadTools, runH2load } from '../lib/load.ts';
import { rss, sampleRss, totalCpuSeconds } from '../lib/proc.ts';
import { freePort, spawnPinned, waitForPort } from '../lib/spawn.ts';
import { median, round } from '../lib/stats.ts';
import type { BenchContext } from './paths.ts';
import { startWeft } from './weft.ts';

export interface H2BenchResult {
  direct: { rps: number | null };
  oneHop: {
    rps: number | null;
    cpuUsPerReq: number | null;
    rssIdleMb: number | null;
    rssLoadMb: number | null;
  };
  oneHopRpsVsDirect: number | null;
  errors: number;
}

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
  const proxy = await startWeft({
    repoRoot: ctx.repoRoot,
    workDir: ctx.workDir,
    name: 'h2-one-hop',
    bundle: ctx.bundle,
    taskset: ctx.taskset,
    cpu: ctx.serverCpu,
    appPort: upstreamPort,
  });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const idle = rss(proxy.proc.pid);
    const direct: number[] = [];
    const hop: number[] = [];
    const cpu: number[] = [];
    const load: number[] = [];
    let errors = 0;
    for (let i = 0; i < reps; i++) {
      const d = await runH2load(h2load, tools, upstreamPort, seconds);
      direct.push(d.rps);
      const cpu0 = totalCpuSeconds([proxy.proc.pid]);
      const sampler = sampleRss(() => [proxy.proc.pid]);
      const h = await runH2load(h2load, tools, proxy.inboundPort, seconds);
      load.push(sampler.stop().rssMb);
      // The CPU window includes h2load's one-second warm-up: count its requests too, at the same rate.
      cpu.push(((totalCpuSeconds([proxy.proc.pid]) - cpu0) * 1e6) / Math.max(1, h.rps * (seconds + 1)));
      hop.push(h.rps);
      errors += d.errors + h.errors;
    }
    const rpsDirect = median(direct);
    const rpsHop = median(hop);
    return {
      direct: { rps: round(rpsDirect, 0) },
      oneHop: {
        rps: round(rpsHop, 0),
        cpuUsPerReq: round(median(cpu), 1),
        rssIdleMb: round(idle.rssMb, 1),
        rssLoadMb: round(median(load), 1),
      },
      oneHopRpsVsDirect: round(rpsHop / rpsDirect, 3),
      errors,
    };
  } finally {
    await proxy.proc.stop();
    await upstream.stop();
  }
}
