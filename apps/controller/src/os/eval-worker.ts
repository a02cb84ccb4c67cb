/**
 * A worker thread run from source text (`eval`, so it runs the same from the sources, under
 * tsx, and from the controller's bundle, with no file to find next to either), asked by
 * messages that carry an id and answered by messages with the same id. Shared by the local
 * platform's process starter and the state store's file writer: the worker is started on
 * first use and does not keep the process alive; each request's entry gets its answers
 * until one is its last; when the worker ends (it failed, or `close`), the entries it still
 * had are told. The requests open at once are bounded by the callers.
 */
import { Worker } from 'node:worker_threads';

export interface EvalWorkerHooks<Entry, Answer> {
  /** An answer for `entry`'s request; true when it is the last one for that request. */
  answer(m: Answer, entry: Entry): boolean;
  /** The worker ended before `entry`'s request had its last answer. */
  gone(entry: Entry): void;
}

export class EvalWorker<Entry, Answer extends { id: number }> {
  readonly #source: string;
  readonly #name: string;
  readonly #hooks: EvalWorkerHooks<Entry, Answer>;
  #worker: Worker | undefined;
  #nextId = 1;
  /** Requests not yet done, by id, with the worker they went to. */
  readonly #open = new Map<number, { entry: Entry; worker: Worker }>();

  /** `name` says what the worker is in the log when it fails, e.g. `[state] file writer`. */
  constructor(source: string, name: string, hooks: EvalWorkerHooks<Entry, Answer>) {
    this.#source = source;
    this.#name = name;
    this.#hooks = hooks;
  }

  /** Requests not yet done. */
  get open(): number {
    return this.#open.size;
  }

  /** Sends `message` (given a new `id`) to the worker; its answers go to `entry`. */
  send(entry: Entry, message: object): void {
    const worker = this.#ensure();
    const id = this.#nextId++;
    this.#open.set(id, { entry, worker });
    worker.postMessage({ ...message, id });
  }

  /** Stops the worker (its open requests are told it is gone); a later request starts a new one. */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = undefined;
    if (w) await w.terminate();
  }

  #ensure(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#source, { eval: true });
    worker.unref();
    worker.on('message', (m: Answer) => {
      const open = this.#open.get(m.id);
      if (open && this.#hooks.answer(m, open.entry)) this.#open.delete(m.id);
    });
    worker.on('error', (err) => console.error(`${this.#name} failed: ${err.message}`));
    worker.once('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const [id, open] of this.#open) {
        if (open.worker !== worker) continue;
        this.#open.delete(id);
        this.#hooks.gone(open.entry);
      }
    });
    this.#worker = worker;
    return worker;
  }
}
