/**
 * What an interrupted browser-test run left running, stopped before the next run starts.
 * The local platform starts pods and its balancer detached, so they outlive a controller
 * that is killed (Playwright killed, a run stopped by SIGKILL); every run uses the same
 * address blocks (POD_OCTET, OWN_POD_OCTET), so such a pod still holds the address and
 * port the next run's pod is given, and that pod crash-loops on EADDRINUSE (never ready,
 * never sent traffic). A state directory's leftovers are the processes its local-platform
 * record names (pid and start time, as the controller adopts them) while no live
 * controller holds its lock; a directory a live controller holds is left alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A process as the controller records it. */
interface ProcRef {
  pid: number;
  startTime: number;
}

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

function isRef(v: unknown): v is ProcRef {
  const r = v as Partial<ProcRef> | null;
  return typeof r?.pid === 'number' && typeof r.startTime === 'number';
}

function alive(ref: ProcRef): boolean {
  return startTimeOf(ref.pid) === ref.startTime;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The live processes `dir`'s record names, or none when a live controller holds `dir`. */
export function leftoversIn(dir: string): ProcRef[] {
  const lock = readJson(join(dir, 'controller.lock'));
  if (isRef(lock) && alive(lock)) return [];
  const state = readJson(join(dir, 'local-platform.json')) as
    | { balancer?: unknown; pods?: { app?: unknown; proxy?: unknown }[] }
    | undefined;
  if (!state) return [];
  const refs = [state.balancer, ...(state.pods ?? []).flatMap((p) => [p.app, p.proxy])];
  return refs.filter(isRef).filter(alive);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Stops (SIGKILL, to its process group: each was started as a group leader) every
 * leftover of the earlier runs' state directories under `root`, but `keep`, and waits
 * (bounded) until they are gone. Returns the directories it found leftovers in, with
 * how many.
 */
export function stopLeftovers(root = tmpdir(), keep?: string): { dir: string; stopped: number }[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const found: { dir: string; stopped: number }[] = [];
  const stopped: ProcRef[] = [];
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    for (const dir of [join(root, name), join(root, name, 'state')]) {
      if (dir === keep) continue;
      const refs = leftoversIn(dir);
      if (refs.length === 0) continue;
      for (const ref of refs) {
        try {
          process.kill(-ref.pid, 'SIGKILL');
        } catch {
          try {
            process.kill(ref.pid, 'SIGKILL');
          } catch {
            // gone meanwhile
          }
        }
      }
      stopped.push(...refs);
      found.push({ dir, stopped: refs.length });
    }
  }
  const deadline = Date.now() + GONE_WAIT_MS;
  while (stopped.some(alive) && Date.now() < deadline) sleepSync(50);
  return found;
}
