/**
 * Load generators, run pinned to their own core: `wrk` for closed-loop throughput, and a
 * fixed-rate open-loop generator for latency that counts each request from the time it
 * was scheduled (so a stall is not hidden by requests that were never sent: no
 * coordinated omission). The compiled `olg` is used when available, else `open-loop.ts`.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Closed-loop result. */
export interface WrkResult {
  rps: number;
  requests: number;
  /** Socket errors plus non-2xx/3xx responses. */
  errors: number;
}

/** Open-loop result; latencies in milliseconds, corrected for coordinated omission. */
export interface OpenLoopResult {
  rate: number;
  achievedRps: number;
  measured: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Pins a command to `cpu` with taskset when there is one. */
function pinned(taskset: string | null, cpu: string, cmd: string, args: string[]): [string, string[]] {
  return taskset === null ? [cmd, args] : [taskset, ['-c', cpu, cmd, ...args]];
}

/** Parses wrk's text report. */
export function parseWrk(out: string): WrkResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock ? sock.slice(1).reduce((n, v) => n + Number(v), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return { rps, requests, errors: socketErrors + non2xx };
}

export interface LoadTools {
  wrk: string;
  olg: string | null;
  taskset: string | null;
  /** The core the load generator runs on. */
  cpu: string;
}

/** `wrk -t1 -cCONNS -dSECONDS` against 127.0.0.1:port. */
export async function runWrk(
  tools: LoadTools,
  port: number,
  seconds: number,
  conns = 50,
): Promise<WrkResult> {
  const [cmd, args] = pinned(tools.taskset, tools.cpu, tools.wrk, [
    '-t1',
    `-c${conns}`,
    `-d${seconds}s`,
    '--latency',
    `http://127.0.0.1:${port}/`,
  ]);
  return parseWrk(await run(cmd, args, (seconds + 30) * 1000));
}

/** Fixed-rate load at `rate` requests/s for `seconds` (after `warmupS` not measured). */
export async function runOpenLoop(
  tools: LoadTools,
  port: number,
  rate: number,
  seconds: number,
  warmupS = 1,
  conns = 50,
): Promise<OpenLoopResult> {
  const argv = [String(port), String(rate), String(seconds), String(conns), String(warmupS)];
  const [cmd, args] =
    tools.olg !== null
      ? pinned(tools.taskset, tools.cpu, tools.olg, argv)
      : pinned(tools.taskset, tools.cpu, process.execPath, [
          '--import',
          'tsx',
          path.join(here, 'open-loop.ts'),
          ...argv,
        ]);
  const out = await run(cmd, args, (seconds + warmupS + 30) * 1000);
  const j = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number>;
  return {
    rate,
    achievedRps: j.achieved_rps ?? 0,
    measured: j.measured ?? 0,
    errors: (j.errors ?? 0) + (j.non200 ?? 0),
    p50Ms: j.c_p50 ?? Number.NaN,
    p99Ms: j.c_p99 ?? Number.NaN,
  };
}

/** HTTP/2 closed-loop result from h2load. */
export interface H2loadResult {
  rps: number;
  requests: number;
  errors: number;
}

/** Parses h2load's report. */
export function parseH2load(out: string): H2loadResult {
  const rps = Number(/finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out)?.[1] ?? Number.NaN);
  const m =
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(
      out,
    );
  return { rps, requests: Number(m?.[4] ?? 0), errors: Number(m?.[5] ?? 0) + Number(m?.[6] ?? 0) };
}

/** What `runH2load` sends besides its defaults (a GET of `/`). */
export interface H2loadRequest {
  /** The request path. */
  readonly path?: string;
  /** A file whose content is each request's body (h2load then POSTs). */
  readonly dataFile?: string;
  /** Extra request headers, `name: value`. */
  readonly headers?: readonly string[];
}

/**
 * `h2load` with prior knowledge (h2c) against 127.0.0.1:port: `clients` connections,
 * `streams` concurrent streams each, for `seconds` after a one-second warm-up.
 */
export async function runH2load(
  h2load: string,
  tools: LoadTools,
  port: number,
  seconds: number,
  clients = 10,
  streams = 10,
  request: H2loadRequest = {},
): Promise<H2loadResult> {
  const [cmd, args] = pinned(tools.taskset, tools.cpu, h2load, [
    `-c${clients}`,
    `-m${streams}`,
    `-D${seconds}`,
    '--warm-up-time=1',
    ...(request.dataFile !== undefined ? ['-d', request.dataFile] : []),
    ...(request.headers ?? []).flatMap((h) => ['-H', h]),
    `http://127.0.0.1:${port}${request.path ?? '/'}`,
  ]);
  return parseH2load(await run(cmd, args, (seconds + 30) * 1000));
}
