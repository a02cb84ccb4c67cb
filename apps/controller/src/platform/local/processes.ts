/**
 * Processes that outlive the controller: each is spawned detached in its own process
 * group with its output appended to a log file (not a pipe), so killing the controller
 * leaves it running. A process is recorded as `{ pid, startTime }` (start time from
 * `/proc/<pid>/stat`) so a restarted controller can tell its own process from a reused pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { startTimeOf } from '../../os/process-start.ts';

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

export interface SpawnSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  logFile: string;
  /** Group to run as (netns capture: the proxy's group, which iptables leaves alone). */
  gid?: number;
}

/** A running process and a way to learn when it ends. */
export interface Running {
  ref: ProcRef;
  /** Resolves when the process ends (exit code when we are its parent, else unknown). */
  exited: Promise<ExitInfo>;
}

/** Spawns detached into its own group with stdout and stderr appended to `logFile`. */
export function spawnDetached(spec: SpawnSpec): Promise<Running> {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const fd = openSync(spec.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', fd, fd],
      ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
    });
  } finally {
    closeSync(fd);
  }
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => {
      const pid = child.pid as number;
      child.unref();
      const exited = new Promise<ExitInfo>((res) => {
        child.once('exit', (code, signal) => res({ code, signal }));
      });
      resolve({ ref: { pid, startTime: processStartTime(pid) ?? 0 }, exited });
    });
  });
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
