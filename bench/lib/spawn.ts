/**
 * Child processes of a benchmark: started pinned to a core with taskset (so the pid we
 * hold is the process itself: taskset execs it), waited for until they accept
 * connections, and stopped by pid, with every one stopped when the benchmark exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

const running = new Set<ChildProcess>();

export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  /** What the process wrote to stdout and stderr so far (for error reports). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `cmd args` on `cpu` (a taskset list such as "0"), or unpinned when taskset is null. */
export function spawnPinned(
  taskset: string | null,
  cpu: string,
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Spawned {
  const [file, argv] = taskset === null ? [cmd, [...args]] : [taskset, ['-c', cpu, cmd, ...args]];
  const child = spawn(file, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => running.delete(child));
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  const pid = child.pid;
  return {
    child,
    pid,
    output: () => out,
    stop: () => stopChild(child),
  };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Stops every child still running (on exit or error). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((c) => stopChild(c)));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const c of running) c.kill('SIGKILL');
    process.exit(130);
  });
}
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** A free port on 127.0.0.1 for a process told it in its config (below the ephemeral range). */
export { freePort } from '@weft/shared/testing';

/** Resolves once 127.0.0.1:port accepts a connection; rejects after `timeoutMs` or if `proc` exits. */
export async function waitForPort(port: number, proc: Spawned | null, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc !== null && proc.child.exitCode !== null) {
      throw new Error(
        `process exited (${proc.child.exitCode}) before listening on ${port}:\n${proc.output()}`,
      );
    }
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms${proc ? `:\n${proc.output()}` : ''}`,
  );
}
