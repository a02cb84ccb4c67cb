/**
 * Processes that outlive the controller: each is spawned detached in its own process
 * group with its output appended to a log file (not a pipe), so killing the controller
 * leaves it running. A process is recorded as `{ pid, startTime }` (start time from
 * `/proc/<pid>/stat`) so a restarted controller can tell its own process from a reused pid.
 */
import { startTimeOf } from '../../os/process-start.ts';
import { SpawnWorker, type StartSpec } from './spawn-worker.ts';

/** A process we started, as recorded in durable state. */
export interface ProcRef {
  pid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  startTime: number;
}

/** How a process ended. */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/** The start time of `pid`, or undefined when there is no such process (or it is a zombie). */
export const processStartTime = startTimeOf;

/** Whether the recorded process is still the one running under its pid. */
export function isAlive(ref: ProcRef): boolean {
  return processStartTime(ref.pid) === ref.startTime;
}

/** Signals the process's whole group; false when it is gone. */
export function signalGroup(ref: ProcRef, signal: NodeJS.Signals): boolean {
  if (!isAlive(ref)) return false;
  try {
    process.kill(-ref.pid, signal);
    return true;
  } catch {
    try {
      process.kill(ref.pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** What to start: command, arguments, directory, environment, log file and group. */
export type SpawnSpec = StartSpec;

/** A running process and a way to learn when it ends. */
export interface Running {
  ref: ProcRef;
  /** Resolves when the process ends (exit code when we are its parent, else unknown). */
  exited: Promise<ExitInfo>;
}

/** Starts processes off the event loop (see `SpawnWorker`). */
const starter = new SpawnWorker();

/**
 * Spawns detached into its own group with stdout and stderr appended to `logFile`. The
 * start happens in a worker thread, so a burst of starts does not hold up the API and
 * the probes; should that worker go away, the process is watched by its pid instead.
 */
export async function spawnDetached(spec: SpawnSpec): Promise<Running> {
  const s = await starter.start(spec);
  const ref = { pid: s.pid, startTime: s.startTime || (processStartTime(s.pid) ?? 0) };
  return {
    ref,
    exited: s.exited.then((exit) => exit ?? watchAdopted(ref).exited),
  };
}

/** For a process we did not start (adopted after a restart): polls until it is gone. */
export function watchAdopted(ref: ProcRef, intervalMs = 500): { exited: Promise<ExitInfo>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    timer = setInterval(() => {
      if (!isAlive(ref)) {
        clearInterval(timer);
        resolve({ code: null, signal: null });
      }
    }, intervalMs);
    timer.unref();
  });
  return { exited, cancel: () => clearInterval(timer) };
}

/** SIGTERM to the group, then SIGKILL after `graceMs`; resolves when it is gone. */
export async function stopProcess(ref: ProcRef, graceMs: number): Promise<void> {
  if (!signalGroup(ref, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(ref)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  signalGroup(ref, 'SIGKILL');
  const hard = Date.now() + 2000;
  while (Date.now() < hard && isAlive(ref)) await new Promise((r) => setTimeout(r, 20));
}
