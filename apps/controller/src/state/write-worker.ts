/**
 * Atomic, durable file replacement (write a temporary file, fsync, rename, fsync the
 * directory) done whole in a worker thread. Done with `fs/promises`, each of those eight
 * steps waits for a turn of the event loop before the next is asked for: under load,
 * with turns 50-100 ms apart, one save took 300-800 ms, and a mesh call waits for the save
 * that holds its change. Here the steps run back to back in the worker, and the event
 * loop is needed once, for the answer.
 *
 * The worker's code is a string (`eval`), so it runs the same from the sources, under
 * tsx, and from the controller's bundle. Writes are done one at a time, in the order asked.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { closeSync, fsyncSync, openSync, renameSync, writeSync } = require('node:fs');
const { dirname } = require('node:path');
parentPort.on('message', (m) => {
  try {
    const fd = openSync(m.tmp, 'w', m.mode);
    try {
      writeSync(fd, m.text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(m.tmp, m.path);
    const dir = openSync(dirname(m.path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    parentPort.postMessage({ id: m.id });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err), code: err && err.code });
  }
});
`;

interface Pending {
  worker: Worker;
  resolve(): void;
  reject(err: Error): void;
}

export class WriteWorker {
  #worker: Worker | undefined;
  #nextId = 1;
  /** Writes under way; bounded by the callers, who write each document one at a time. */
  readonly #pending = new Map<number, Pending>();

  /** Replaces `path` with `text` through `tmp` (same directory), durably; resolves once done. */
  write(path: string, tmp: string, text: string, mode: number): Promise<void> {
    const worker = this.#ensure();
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { worker, resolve, reject });
      worker.postMessage({ id, path, tmp, text, mode });
    });
  }

  /** Stops the worker (writes under way are rejected); a later write starts a new one. */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = undefined;
    if (w) await w.terminate();
  }

  #ensure(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (m: { id: number; error?: string; code?: string }) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (m.error === undefined) p.resolve();
      else p.reject(Object.assign(new Error(m.error), m.code ? { code: m.code } : {}));
    });
    worker.on('error', (err) => console.error(`[state] file writer failed: ${err.message}`));
    worker.once('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const [id, p] of this.#pending) {
        if (p.worker !== worker) continue;
        this.#pending.delete(id);
        p.reject(new Error('the file writer stopped before the write was done'));
      }
    });
    this.#worker = worker;
    return worker;
  }
}
