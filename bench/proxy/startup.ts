/**
 * Proxy start-up (`proxyReadyMs`): how long a proxy takes from spawn to its `ready:` line
 * (listeners bound, config loaded), started as the local platform starts one beside a
 * meshed pod (`proxyNodeArgs` of the bundle), pinned to the proxies' core. Also the CPU
 * it spent by then (all threads, from /proc/PID/task/TID/schedstat) and the same two
 * figures for an empty `node` script, the floor no proxy code can go under. Medians of
 * `runs` starts. A meshed proxy also waits for its certificate before `/ready`; that
 * round trip to the controller is not part of this figure.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { proxyNodeArgs } from '../../apps/controller/src/platform/local/proxy-entry.ts';
import { freePort } from '../lib/spawn.ts';
import { median, round } from '../lib/stats.ts';

export interface StartupResult {
  /** Median ms from spawn to the proxy's `ready:` line. */
  proxyReadyMs: number | null;
  /** Median CPU ms (all threads) the proxy spent until then. */
  proxyReadyCpuMs: number | null;
  /** The same for `node -e` writing one line: node's own start-up. */
  nodeReadyMs: number | null;
  nodeReadyCpuMs: number | null;
  runs: { proxyReadyMs: (number | null)[]; nodeReadyMs: (number | null)[] };
}

/** A start gives up after this. */
const READY_DEADLINE_MS = 15_000;

/** CPU seconds of every thread of `pid`, in ms (ns precision, unlike /proc/PID/stat). */
export function threadsCpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns / 1e6;
}

/** Spawns `args` and times it until stderr carries `marker`; the process is then killed. */
function timeToMarker(
  taskset: string | null,
  cpu: string,
  args: readonly string[],
  marker: string,
): Promise<{ ms: number; cpuMs: number } | null> {
  const [file, argv] =
    taskset === null ? [process.execPath, [...args]] : [taskset, ['-c', cpu, process.execPath, ...args]];
  const t0 = process.hrtime.bigint();
  const child = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve) => {
    let text = '';
    let done = false;
    const finish = (r: { ms: number; cpuMs: number } | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(r);
    };
    const timer = setTimeout(() => finish(null), READY_DEADLINE_MS);
    child.stderr?.on('data', (d: Buffer) => {
      text = (text + d.toString()).slice(-4096);
      if (!text.includes(marker) || child.pid === undefined) return;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      let cpuMs = Number.NaN;
      try {
        cpuMs = threadsCpuMs(child.pid);
      } catch {
        // exited already
      }
      finish({ ms, cpuMs });
    });
    child.once('exit', () => finish(null));
  });
}

/** Starts the proxy bundle `runs` times (and an empty node as often) and reports medians. */
export async function measureStartup(o: {
  bundle: string;
  workDir: string;
  appPort: number;
  taskset: string | null;
  cpu: string;
  runs: number;
}): Promise<StartupResult> {
  const proxy: ({ ms: number; cpuMs: number } | null)[] = [];
  const node: ({ ms: number; cpuMs: number } | null)[] = [];
  for (let i = 0; i < o.runs; i++) {
    const file = path.join(o.workDir, `startup-${i}.json`);
    const config = {
      inbound: {
        host: '127.0.0.1',
        appHost: '127.0.0.1',
        ports: [{ public: await freePort(), app: o.appPort }],
      },
      outbound: { listen: `127.0.0.1:${await freePort()}` },
      admin: { listen: `127.0.0.1:${await freePort()}` },
    };
    writeFileSync(file, JSON.stringify(config));
    proxy.push(
      await timeToMarker(o.taskset, o.cpu, [...proxyNodeArgs(o.bundle), '--config', file], 'ready:'),
    );
    node.push(await timeToMarker(o.taskset, o.cpu, ['-e', "process.stderr.write('ready:\\n')"], 'ready:'));
  }
  const med = (xs: ({ ms: number; cpuMs: number } | null)[], f: 'ms' | 'cpuMs') => {
    const ok = xs.filter((x) => x !== null).map((x) => x[f]);
    return ok.length === 0 ? null : round(median(ok), 1);
  };
  return {
    proxyReadyMs: med(proxy, 'ms'),
    proxyReadyCpuMs: med(proxy, 'cpuMs'),
    nodeReadyMs: med(node, 'ms'),
    nodeReadyCpuMs: med(node, 'cpuMs'),
    runs: {
      proxyReadyMs: proxy.map((x) => (x === null ? null : round(x.ms, 0))),
      nodeReadyMs: node.map((x) => (x === null ? null : round(x.ms, 0))),
    },
  };
}
