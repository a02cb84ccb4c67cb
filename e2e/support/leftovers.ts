/**
 * What an interrupted browser-test run left running, stopped before the next run starts.
 * The local platform starts pods and its balancer detached, so they outlive a controller
 * that is killed (Playwright killed, a run stopped by SIGKILL, a kill by name); every run
 * uses the same address blocks (POD_OCTET, OWN_POD_OCTET), so such a pod still holds the
 * address and port the next run's pod is given, and that pod crash-loops on EADDRINUSE
 * (never ready, never sent traffic).
 *
 * A leftover is a process whose output goes to a file in a run's directory
 * (`<tmp>/weft-e2e-*`: the local platform appends each pod's and the balancer's output to
 * a log in its state directory) while no live controller holds that run's lock: found so
 * whether or not the dead controller recorded it (it may have restarted a container just
 * before it went), and even when the directory has since been removed. A run a live
 * controller holds, and this run's own directory, are left alone.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';

/** The e2e runs' directories: a controller's state is the directory itself or its `state`. */
const PREFIX = 'weft-e2e-';
/** How long the stopped processes are waited for (their ports free once they are gone). */
const GONE_WAIT_MS = 5000;

/** Start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined when gone. */
function startTimeOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a live controller holds the state directory `dir` (its lock names a running process). */
function held(dir: string): boolean {
  try {
    const lock = JSON.parse(readFileSync(join(dir, 'controller.lock'), 'utf8')) as {
      pid?: unknown;
      startTime?: unknown;
    };
    return typeof lock.pid === 'number' && startTimeOf(lock.pid) === lock.startTime;
  } catch {
    return false;
  }
}

/** The run directory (`<root>/weft-e2e-…`) a process writes its output into, if any. */
function runDirOf(pid: number, root: string): string | undefined {
  for (const fd of [1, 2]) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (!target.startsWith(root + sep)) continue;
    // a file in a run's directory (not a file of that name in `root`, such as a run's own output)
    const [name = '', ...inside] = target.slice(root.length + 1).split(sep);
    if (name.startsWith(PREFIX) && inside.length > 0) return join(root, name);
  }
  return undefined;
}

/** The leftovers under `root` (but those of `keep`), by run directory. */
export function findLeftovers(root = tmpdir(), keep?: string): Map<string, number[]> {
  const found = new Map<string, number[]>();
  const live = new Map<string, boolean>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return found;
  }
  for (const p of pids) {
    const pid = Number(p);
    if (pid === process.pid) continue;
    const run = runDirOf(pid, root);
    if (run === undefined || (keep !== undefined && (keep === run || keep.startsWith(run + sep)))) continue;
    let isLive = live.get(run);
    if (isLive === undefined) {
      isLive = held(run) || held(join(run, 'state'));
      live.set(run, isLive);
    }
    if (isLive) continue;
    found.set(run, [...(found.get(run) ?? []), pid]);
  }
  return found;
}

/**
 * Whether the process that started at `startTime` has ended, all its threads too: its
 * first thread shows as a zombie while the others still hold its files (and sockets).
 */
function gone(pid: number, startTime: number | undefined): boolean {
  if (startTimeOf(pid) === startTime) return false;
  try {
    return readdirSync(`/proc/${pid}/task`).length <= 1;
  } catch {
    return true;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Stops (SIGKILL) every leftover under `root` but `keep`'s, and waits (bounded) until
 * they are gone. Returns the run directories it found leftovers of, with how many.
 */
export function stopLeftovers(root = tmpdir(), keep?: string): { dir: string; stopped: number }[] {
  const found = findLeftovers(root, keep);
  const pids = [...found.values()].flat();
  const starts = new Map(pids.map((pid) => [pid, startTimeOf(pid)]));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  const deadline = Date.now() + GONE_WAIT_MS;
  const running = (pid: number) => starts.get(pid) !== undefined && !gone(pid, starts.get(pid));
  while (pids.some(running) && Date.now() < deadline) sleepSync(50);
  return [...found].map(([dir, p]) => ({ dir, stopped: p.length }));
}
