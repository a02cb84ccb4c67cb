/**
 * Durable controller state: one JSON document per key in the state directory
 * (`WEFT_STATE_DIR`). Writes are atomic (write a temporary file, fsync, rename, fsync
 * the directory), so a crash leaves either the old or the new document, never a torn
 * one. Other parts keep their own keys (`identity`, `policies`, ...).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, MeshError } from '@weft/shared';
import type { z } from 'zod';
import { WriteWorker } from './write-worker.ts';

const KEY = /^[a-z0-9][a-z0-9-]*$/;

/** Does `saveAsync`'s writes, for every store of this process. */
const writer = new WriteWorker();

/**
 * What a part of the controller needs of durable state: one JSON document per key. The
 * state directory is one; on Kubernetes the cluster is another (ConfigMaps shared by
 * the replicas, platform/kubernetes/cluster-state.ts).
 */
export interface DocumentState {
  load<T extends z.ZodType>(key: string, schema: T): z.infer<T> | undefined;
  save(key: string, value: unknown): void;
}

export class StateStore implements DocumentState {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  #path(key: string): string {
    if (!KEY.test(key))
      throw new MeshError(
        ErrorCode.invalidInput,
        `state key "${key}" must be lowercase letters, digits and "-"`,
      );
    return join(this.dir, `${key}.json`);
  }

  /**
   * The stored document, validated; undefined when there is none. A document that is not
   * JSON or does not match its schema throws, naming the file and what to do: it is never
   * replaced by an empty one, since that would lose track of the pods it records.
   */
  load<T extends z.ZodType>(key: string, schema: T): z.infer<T> | undefined {
    const path = this.#path(key);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const fix =
      'restore it from a backup or fix it by hand, then start again; moving it away starts afresh, ' +
      'but pods it records are then not taken over (stop them first)';
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new MeshError(
        ErrorCode.internal,
        `state file ${path} is not valid JSON (${err instanceof Error ? err.message : String(err)}); ${fix}`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const what = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || 'document'}: ${i.message}`)
        .join('; ');
      throw new MeshError(
        ErrorCode.internal,
        `state file ${path} does not match its schema (${what}); ${fix}`,
      );
    }
    return parsed.data;
  }

  /**
   * Replaces the document atomically and durably, as `save` does, with the file system's
   * work done off the event loop, all of it in one worker thread (see `WriteWorker`).
   * Writes of one key must not overlap (they share the temporary file): the caller runs
   * them one at a time.
   */
  async saveAsync(key: string, value: unknown): Promise<void> {
    const path = this.#path(key);
    await writer.write(path, `${path}.${process.pid}.tmp`, `${JSON.stringify(value, null, 1)}\n`, 0o600);
  }

  /** Replaces the document atomically and durably. */
  save(key: string, value: unknown): void {
    const path = this.#path(key);
    const tmp = `${path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(value, null, 1)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}
