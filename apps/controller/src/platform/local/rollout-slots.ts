/**
 * Bounds how many rollouts run at once across workloads, so meshing every workload at
 * once does not start every new pod at once on a small machine. A rollout waits for a
 * slot in the order it asked; the queue holds at most one waiter per workload (a
 * workload runs one round at a time), so it is bounded by the inventory.
 */
import { availableParallelism } from 'node:os';

/**
 * The default number of rollouts running at once: two per core, at least two. A rollout
 * spends most of its time waiting for a new pod to become ready: a pod's start (app and
 * proxy) takes about half a second of CPU spread over 2-3 s, so one rollout per core left
 * the cores mostly idle while 30 workloads queued (K = 6 demo namespaces on 2 cores:
 * 100 s to mesh them all at 2 at once, 22-28 s at 4 or 6). Three per core meshed no
 * faster than two but spawned more pods at once, and the API's p99 went past 1 s
 * (bench:scale, K = 6: 0.7-1.1 s at 6, 0.54-0.64 s at 4).
 */
export function defaultRolloutConcurrency(cores: number = availableParallelism()): number {
  return Math.max(2, Math.floor(cores) * 2);
}

export class RolloutSlots {
  readonly limit: number;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`rollout concurrency must be a whole number of at least 1, got ${limit}`);
    this.limit = limit;
  }

  /** Rollouts running now. */
  get running(): number {
    return this.#running;
  }

  /** Rollouts waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves with a release function once a slot is free; call it exactly once when done. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.#running++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.#running--;
          this.#waiting.shift()?.();
        });
      };
      if (this.#running < this.limit) grant();
      else this.#waiting.push(grant);
    });
  }
}
