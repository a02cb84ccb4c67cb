/**
 * Starts the local platform's processes from a worker thread, off the controller's event
 * loop. `child_process.spawn` blocks its thread until the child has exec'd (libuv waits
 * for it): about 20 ms a start on a busy 2-core machine, during which no API call, probe
 * or save was served; meshing 31 workloads starts 74 processes. In the worker, only the
 * worker waits. The children are still the controller's own (one process), their output
 * goes to their log file, and the worker reports each start and each exit back.
 *
 * The worker's code is a string (see `EvalWorker`).
 */
import { EvalWorker } from '../../os/eval-worker.ts';

/** What to start; the output (stdout and stderr) is appended to `logFile`. */
export interface StartSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  logFile: string;
  /** Group to run as (netns capture: the proxy's group, which iptables leaves alone). */
  gid?: number;
}

export interface Started {
  pid: number;
  /** Kernel start time (field 22 of /proc/<pid>/stat), read right after the start; 0 when unknown. */
  startTime: number;
  /** How it ended; undefined when the worker went away first (the caller then watches the pid). */
  exited: Promise<{ code: number | null; signal: string | null } | undefined>;
}

type FromWorker =
  | { id: number; error: string }
  | { id: number; pid: number; startTime: number }
  | { id: number; exit: { code: number | null; signal: string | null } };

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const { closeSync, mkdirSync, openSync, readFileSync } = require('node:fs');
const { dirname } = require('node:path');
function startTime(pid) {
  try {
    const stat = readFileSync('/proc/' + pid + '/stat', 'utf8');
    const start = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(start) ? start : 0;
  } catch {
    return 0;
  }
}
parentPort.on('message', (m) => {
  let child;
  try {
    mkdirSync(dirname(m.logFile), { recursive: true });
    const fd = openSync(m.logFile, 'a');
    try {
      child = spawn(m.command, m.args, {
        cwd: m.cwd,
        env: m.env,
        detached: true,
        stdio: ['ignore', fd, fd],
        ...(m.gid === undefined ? {} : { gid: m.gid }),
      });
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
    return;
  }
  let started = false;
  child.once('error', (err) => {
    if (!started) parentPort.postMessage({ id: m.id, error: err.message });
  });
  child.once('spawn', () => {
    started = true;
    child.unref();
    parentPort.postMessage({ id: m.id, pid: child.pid, startTime: startTime(child.pid) });
    child.once('exit', (code, signal) => parentPort.postMessage({ id: m.id, exit: { code, signal } }));
  });
});
`;

interface Pending {
  started: boolean;
  resolve(s: Started): void;
  reject(err: Error): void;
  exit(e: { code: number | null; signal: string | null } | undefined): void;
}

export class SpawnWorker {
  /** Starts under way and processes running: one request per process this controller runs. */
  readonly #worker = new EvalWorker<Pending, FromWorker>(WORKER_SOURCE, '[local] process starter', {
    answer: (m, p) => {
      if ('error' in m) {
        p.reject(new Error(m.error));
        return true;
      }
      if ('pid' in m) {
        p.started = true;
        p.resolve({ pid: m.pid, startTime: m.startTime, exited: Promise.resolve(undefined) });
        return false;
      }
      p.exit(m.exit);
      return true;
    },
    // The worker ended: starts under way fail, running processes are left to their callers to watch.
    gone: (p) => {
      if (p.started) p.exit(undefined);
      else p.reject(new Error('the process starter stopped'));
    },
  });

  /** Processes started here and still running, and starts under way. */
  get tracked(): number {
    return this.#worker.open;
  }

  /** Starts the process; resolves once it runs (rejects when it cannot start, e.g. ENOENT). */
  start(spec: StartSpec): Promise<Started> {
    return new Promise<Started>((resolve, reject) => {
      let exit: Pending['exit'] = () => {};
      const exited = new Promise<Parameters<Pending['exit']>[0]>((r) => {
        exit = r;
      });
      this.#worker.send(
        { started: false, resolve: (s) => resolve({ ...s, exited }), reject, exit: (e) => exit(e) },
        spec,
      );
    });
  }

  /** Stops the worker (the processes it started keep running); later starts get a new one. */
  close(): Promise<void> {
    return this.#worker.close();
  }
}
