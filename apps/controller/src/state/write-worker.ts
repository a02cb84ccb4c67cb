/**
 * Atomic, durable file replacement (write a temporary file, fsync, rename, fsync the
 * directory) done whole in a worker thread. Done with `fs/promises`, each of those eight
 * steps waits for a turn of the event loop before the next is asked for: under load,
 * with turns 50-100 ms apart, one save took 300-800 ms, and a mesh call waits for the save
 * that holds its change. Here the steps run back to back in the worker, and the event
 * loop is needed once, for the answer.
 *
 * The worker's code is a string (see `EvalWorker`). Writes are done one at a time, in the
 * order asked.
 */
import { EvalWorker } from '../os/eval-worker.ts';

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
  resolve(): void;
  reject(err: Error): void;
}

export class WriteWorker {
  /** Writes under way; bounded by the callers, who write each document one at a time. */
  readonly #worker = new EvalWorker<Pending, { id: number; error?: string; code?: string }>(
    WORKER_SOURCE,
    '[state] file writer',
    {
      answer: (m, p) => {
        if (m.error === undefined) p.resolve();
        else p.reject(Object.assign(new Error(m.error), m.code ? { code: m.code } : {}));
        return true;
      },
      gone: (p) => p.reject(new Error('the file writer stopped before the write was done')),
    },
  );

  /** Replaces `path` with `text` through `tmp` (same directory), durably; resolves once done. */
  write(path: string, tmp: string, text: string, mode: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#worker.send({ resolve, reject }, { path, tmp, text, mode });
    });
  }

  /** Stops the worker (writes under way are rejected); a later write starts a new one. */
  close(): Promise<void> {
    return this.#worker.close();
  }
}
