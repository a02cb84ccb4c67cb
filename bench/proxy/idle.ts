/**
 * A proxy's idle memory, identity off and on (`idle`): the build started as the local
 * platform starts one beside a pod (`proxyNodeArgs`), waited for until `/ready` (with
 * identity on, until it holds the certificate the controller's identity service signed:
 * how every meshed pod's proxy runs), left alone 1 s, (`--settle-ms`), then its private memory (`RssAnon`)
 * and resident set read from /proc. Also the CPU it spent by then (start-up and
 * certificate). Medians of `runs` starts each way; the proxies start one at a time.
 *
 *   node --import tsx bench/proxy/idle.ts [--runs N] [--settle-ms MS]   # builds the proxy, prints the figures
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { meshIdentity } from '@weft/shared';
import { proxyNodeArgs } from '../../apps/controller/src/platform/local/proxy-entry.ts';
import { rss } from '../lib/proc.ts';
import { freePort } from '../lib/spawn.ts';
import { median, round } from '../lib/stats.ts';
import { bundleProxy } from './bundle.ts';
import { identityEnv } from './harness.ts';
import { BENCH_NS, BENCH_SA, startIdentityApi } from './mtls.ts';
import type { BenchContext } from './paths.ts';
import { threadsCpuMs } from './startup.ts';
import { startWeft } from './weft.ts';

export interface IdleFigures {
  /** Median private memory (RssAnon), MB. */
  rssAnonMb: number | null;
  /** Median resident set, MB. */
  rssMb: number | null;
  /** Median CPU ms the proxy spent from spawn to 1 s after ready. */
  cpuMs: number | null;
  runs: (number | null)[];
}

export interface IdleResult {
  identityOff: IdleFigures;
  identityOn: IdleFigures;
}

/** A start gives up after this. */
const READY_DEADLINE_MS = 20_000;
/** How long a ready proxy is left alone before it is measured (default). */
const SETTLE_MS = 1_000;

async function ready(adminPort: number, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${adminPort}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/** Starts one proxy, waits until ready and settled, measures it, and kills it. */
async function measureOnce(o: {
  bundle: string;
  workDir: string;
  name: string;
  taskset: string | null;
  cpu: string;
  env: Record<string, string>;
  settleMs: number;
}): Promise<{ anonMb: number; rssMb: number; cpuMs: number } | null> {
  const adminPort = await freePort();
  const file = path.join(o.workDir, `${o.name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      inbound: { host: '127.0.0.1', appHost: '127.0.0.1', ports: [{ public: await freePort(), app: 9 }] },
      outbound: { listen: `127.0.0.1:${await freePort()}` },
      admin: { listen: `127.0.0.1:${adminPort}` },
    }),
  );
  const args = [...proxyNodeArgs(o.bundle), '--config', file];
  const [cmd, argv] =
    o.taskset === null ? [process.execPath, args] : [o.taskset, ['-c', o.cpu, process.execPath, ...args]];
  // Only the config file and `env` configure it (no identity from this process's environment).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WEFT_PROXY_')));
  const child = spawn(cmd, argv, { env: { ...env, ...o.env }, stdio: 'ignore' });
  try {
    if (!(await ready(adminPort, Date.now() + READY_DEADLINE_MS)) || child.pid === undefined) return null;
    await new Promise((r) => setTimeout(r, o.settleMs));
    const r = rss(child.pid);
    return { anonMb: r.anonMb, rssMb: r.rssMb, cpuMs: threadsCpuMs(child.pid) };
  } finally {
    child.kill('SIGKILL');
  }
}

function figures(xs: ({ anonMb: number; rssMb: number; cpuMs: number } | null)[]): IdleFigures {
  const ok = xs.filter((x) => x !== null);
  const med = (f: (x: { anonMb: number; rssMb: number; cpuMs: number }) => number, d: number) =>
    ok.length === 0 ? null : round(median(ok.map(f)), d);
  return {
    rssAnonMb: med((x) => x.anonMb, 1),
    rssMb: med((x) => x.rssMb, 1),
    cpuMs: med((x) => x.cpuMs, 0),
    runs: xs.map((x) => (x === null ? null : round(x.anonMb, 1))),
  };
}

/** Idle figures of the build `bundle`, `runs` starts with identity off and as many on. */
export async function measureIdle(o: {
  bundle: string;
  workDir: string;
  taskset: string | null;
  cpu: string;
  runs: number;
  settleMs?: number;
}): Promise<IdleResult> {
  const settleMs = o.settleMs ?? SETTLE_MS;
  const stateDir = path.join(o.workDir, 'idle-identity');
  mkdirSync(stateDir, { recursive: true });
  const api = await startIdentityApi(stateDir);
  const off: ({ anonMb: number; rssMb: number; cpuMs: number } | null)[] = [];
  const on: typeof off = [];
  try {
    for (let i = 0; i < o.runs; i++) {
      off.push(await measureOnce({ ...o, name: `idle-off-${i}`, env: {}, settleMs }));
      on.push(
        await measureOnce({
          ...o,
          name: `idle-on-${i}`,
          settleMs,
          env: identityEnv(api),
        }),
      );
    }
  } finally {
    api.close();
  }
  return { identityOff: figures(off), identityOn: figures(on) };
}

/** One line per configuration, for logs. */
export function describeIdle(r: IdleResult, runs: number): string[] {
  const line = (name: string, f: IdleFigures) =>
    `proxy idle (${name}, median of ${runs}): private ${f.rssAnonMb ?? '-'} MB, RSS ${f.rssMb ?? '-'} MB, ` +
    `${f.cpuMs ?? '-'} ms CPU to ready + 1 s; private per run ${f.runs.join(', ')}`;
  return [
    line('identity off', r.identityOff),
    line(`identity on, certified as ${meshIdentity(BENCH_SA, BENCH_NS)}`, r.identityOn),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Math.max(1, Number(process.argv[i + 1])) : 7;
  const j = process.argv.indexOf('--settle-ms');
  const settleMs = j > 0 ? Math.max(0, Number(process.argv[j + 1])) : SETTLE_MS;
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'weft-bench-idle-'));
  try {
    const bundle = bundleProxy(repoRoot, workDir);
    const r = await measureIdle({ bundle, workDir, taskset: null, cpu: '0', runs, settleMs });
    for (const l of describeIdle(r, runs)) process.stdout.write(`${l}\n`);
    process.stdout.write(
      `load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}\n`,
    );
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Idle RSS of a one-hop proxy started the other way (bundle when the run uses tsx, tsx
 * when it uses the bundle): what the loader and transpiler cost in memory.
 */
export async function idleRssOtherMode(
  ctx: BenchContext,
  bundle: string | null,
): Promise<Record<string, number | null>> {
  const mode = bundle === null ? 'tsx' : 'bundle';
  try {
    const p = await startWeft({
      repoRoot: ctx.repoRoot,
      workDir: ctx.workDir,
      name: 'idle-other-mode',
      taskset: ctx.taskset,
      cpu: ctx.serverCpu,
      appPort: ctx.upstreamPort,
      bundle,
    });
    await new Promise((r) => setTimeout(r, 1000));
    const r = rss(p.proc.pid);
    await p.proc.stop();
    ctx.log(
      `one-hop proxy idle RSS when run as ${mode}: ${r.rssMb.toFixed(1)} MB (private ${r.anonMb.toFixed(1)} MB)`,
    );
    return { [`${mode}RssMb`]: round(r.rssMb, 1), [`${mode}RssAnonMb`]: round(r.anonMb, 1) };
  } catch (err) {
    ctx.log(`could not measure the ${mode} proxy's idle RSS: ${(err as Error).message.split('\n')[0]}`);
    return {};
  }
}
