/**
 * The logs of stopped pods, kept for diagnosis (why did a pod of a finished rollout
 * fail?): when a pod stops, its log directory moves to
 * `<state>/stopped-pods/<namespace>/<workload>/<pod>` instead of being deleted. Bounded:
 * the last few stopped pods per workload, a cap on stopped pods overall, and each log file
 * cut to its last bytes.
 */
import { mkdir, open, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Container } from './pod.ts';

export interface StoppedLogsLimits {
  /** Stopped pods kept per workload (the latest). */
  perWorkload: number;
  /** Stopped pods kept in all (the latest). */
  total: number;
  /** Bytes kept of each log file (its end). */
  bytesPerFile: number;
}

export const STOPPED_LOGS_LIMITS: StoppedLogsLimits = {
  perWorkload: 3,
  total: 100,
  bytesPerFile: 1024 * 1024,
};

interface Kept {
  dir: string;
  mtimeMs: number;
}

export class StoppedPodLogs {
  readonly #root: string;
  readonly #limits: StoppedLogsLimits;
  /** The trimming and pruning under way (one at a time, so two prunes do not race). */
  #tidying: Promise<void> = Promise.resolve();
  /** Kept directories not tidied yet: the prune across workloads runs once they all are. */
  #untidied = 0;
  /** The last stamp given to a kept directory (its mtime orders them: newest kept longest). */
  #lastStamp = 0;

  constructor(stateDir: string, limits: StoppedLogsLimits = STOPPED_LOGS_LIMITS) {
    this.#root = join(stateDir, 'stopped-pods');
    this.#limits = limits;
  }

  /**
   * Keeps the stopped pod's log directory `from`; resolves once it is readable at its new
   * place (its trimming and the pruning of older ones follow). Never throws: logs that
   * cannot be kept are deleted, as before.
   */
  async keep(pod: { namespace: string; workload: string; name: string }, from: string): Promise<void> {
    const workloadDir = join(this.#root, pod.namespace, pod.workload);
    const to = join(workloadDir, pod.name);
    try {
      await rm(to, { recursive: true, force: true });
      await mkdir(workloadDir, { recursive: true });
      await rename(from, to);
    } catch {
      await rm(from, { recursive: true, force: true }).catch(() => {});
      return;
    }
    this.#lastStamp = Math.max(Date.now(), this.#lastStamp + 1);
    const stamp = new Date(this.#lastStamp);
    await utimes(to, stamp, stamp).catch(() => {}); // the newest kept, whatever its logs' age
    this.#untidied += 1;
    this.#tidying = this.#tidying
      .then(() => this.#tidy(to, workloadDir, stamp))
      .catch(() => {})
      .finally(() => {
        this.#untidied -= 1;
      });
  }

  /** Resolves once the trimming and pruning asked for so far are done. */
  settled(): Promise<void> {
    return this.#tidying;
  }

  /** The stopped pods kept of a workload, newest first, with when each was set aside. */
  async list(namespace: string, workload: string): Promise<{ name: string; stoppedAt: string }[]> {
    if (!safeName(namespace) || !safeName(workload)) return [];
    const kept = await this.#list([join(this.#root, namespace, workload)]);
    kept.sort((a, b) => b.mtimeMs - a.mtimeMs);
    return kept.map((k) => ({ name: basename(k.dir), stoppedAt: new Date(k.mtimeMs).toISOString() }));
  }

  /**
   * Deletes the kept logs of every workload `exists` says is gone (deleted from the
   * manifests since they were kept). Runs in turn with the trimming and pruning.
   */
  forgetDeleted(exists: (namespace: string, workload: string) => boolean): Promise<void> {
    const forget = async () => {
      for (const namespace of await readdir(this.#root).catch(() => [] as string[])) {
        const nsDir = join(this.#root, namespace);
        for (const workload of await readdir(nsDir).catch(() => [] as string[])) {
          if (!exists(namespace, workload)) await rm(join(nsDir, workload), { recursive: true, force: true });
        }
      }
    };
    this.#tidying = this.#tidying.then(forget).catch(() => {});
    return this.#tidying;
  }

  /** The log file of a stopped pod's container, or undefined when none is kept. */
  async logFile(namespace: string, name: string, container: Container): Promise<string | undefined> {
    if (!safeName(namespace) || !safeName(name)) return undefined; // never a path outside the root
    const nsDir = join(this.#root, namespace);
    for (const workload of await readdir(nsDir).catch(() => [] as string[])) {
      if (await exists(join(nsDir, workload, name))) return join(nsDir, workload, name, `${container}.log`);
    }
    return undefined;
  }

  async #tidy(kept: string, workloadDir: string, stamp: Date): Promise<void> {
    try {
      for (const file of await readdir(kept).catch(() => [] as string[])) await this.#trim(join(kept, file));
      await utimes(kept, stamp, stamp); // after the trim, which touched the directory
    } catch {
      // pruned already, by the prune across workloads of a pod tidied earlier in the same
      // burst (tidies run in the order their renames ended, not in stamp order): the prunes
      // below still run, so the burst's last tidy always prunes across workloads
    }
    const mine = await this.#list([workloadDir]);
    await this.#dropOldest(mine, this.#limits.perWorkload);
    // across workloads: once per burst (a graceful stop keeps every pod's logs at once)
    if (this.#untidied > 1) return;
    const namespaces = (await readdir(this.#root).catch(() => [] as string[])).map((n) =>
      join(this.#root, n),
    );
    const workloads = (
      await Promise.all(
        namespaces.map(async (n) => (await readdir(n).catch(() => [] as string[])).map((w) => join(n, w))),
      )
    ).flat();
    await this.#dropOldest(await this.#list(workloads), this.#limits.total);
  }

  /** Cuts `file` to its last `bytesPerFile` bytes. */
  async #trim(file: string): Promise<void> {
    const { size } = await stat(file);
    const keep = this.#limits.bytesPerFile;
    if (size <= keep) return;
    const fh = await open(file, 'r');
    const buf = Buffer.alloc(keep);
    try {
      await fh.read(buf, 0, keep, size - keep);
    } finally {
      await fh.close();
    }
    const tmp = `${file}.trim`;
    await writeFile(tmp, buf);
    await rename(tmp, file);
  }

  async #list(workloadDirs: string[]): Promise<Kept[]> {
    const out: Kept[] = [];
    for (const w of workloadDirs) {
      for (const name of await readdir(w).catch(() => [] as string[])) {
        const dir = join(w, name);
        const s = await stat(dir).catch(() => undefined);
        if (s?.isDirectory()) out.push({ dir, mtimeMs: s.mtimeMs });
      }
    }
    return out;
  }

  async #dropOldest(kept: Kept[], limit: number): Promise<void> {
    kept.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const k of kept.slice(limit)) await rm(k.dir, { recursive: true, force: true });
  }
}

/** A single path segment, not `.`/`..`: the API passes pod names through unchecked. */
function safeName(segment: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(segment);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
