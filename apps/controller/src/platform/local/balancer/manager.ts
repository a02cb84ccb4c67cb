/**
 * The controller's side of the service balancer: starts it (or adopts the one a
 * previous controller left running), hands it the routing table and stops it on a
 * graceful shutdown.
 */
import { open, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StateStore } from '../../../state/store.ts';
import { isAlive, type ProcRef, signalGroup, spawnDetached, stopProcess } from '../processes.ts';
import { type BalancerTable, type Listener, TABLE_KEY } from './table.ts';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');

export class BalancerManager {
  readonly #store: StateStore;
  readonly #cwd: string;
  readonly #hostEnv: Record<string, string>;
  #ref: ProcRef | null = null;
  /**
   * Whether the balancer can take a SIGHUP: one we just started is told only once it says
   * it serves (its handler is installed then; before, a SIGHUP would end it). A table
   * written meanwhile is owed a SIGHUP, sent as soon as it serves.
   */
  #ready = true;
  #hupOwed = false;
  #version = 0;
  #last = '';
  #restarting: Promise<ProcRef> | null = null;
  /** The table write under way, and the table to write after it (the latest published). */
  #writing: Promise<void> | null = null;
  #next: BalancerTable | null = null;

  constructor(store: StateStore, cwd: string, hostEnv: Record<string, string>) {
    this.#store = store;
    this.#cwd = cwd;
    this.#hostEnv = hostEnv;
  }

  get ref(): ProcRef | null {
    return this.#ref;
  }

  /** Adopts `previous` when it is still running, else starts a new balancer. */
  async start(previous: ProcRef | null): Promise<ProcRef> {
    if (previous && isAlive(previous)) {
      this.#ref = previous;
      this.#ready = true;
      return previous;
    }
    // tables written from now until it serves are owed a SIGHUP
    this.#ready = false;
    this.#hupOwed = false;
    const log = join(this.#store.dir, 'balancer.log');
    const logFrom = await stat(log).then(
      (s) => s.size,
      () => 0,
    );
    const running = await spawnDetached({
      command: process.execPath,
      args: ['--import', 'tsx', MAIN, this.#store.dir],
      cwd: this.#cwd,
      env: this.#hostEnv,
      logFile: log,
    });
    this.#ref = running.ref;
    const serving = this.#untilServing(running.ref, new LogScanner(log, logFrom));
    // Services answer once pods are ready: wait (bounded) for it; a slower balancer is
    // told about the tables written meanwhile when it does serve.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([serving, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
    clearTimeout(timer);
    return running.ref;
  }

  /**
   * Waits until the new balancer reports it serves (it logs so once its SIGHUP handler is
   * installed and its first table loaded), then sends the SIGHUP owed for any table written
   * since it started. Bounded: a balancer silent for a minute is told anyway.
   */
  async #untilServing(ref: ProcRef, log: LogScanner): Promise<void> {
    const marker = `balancer ${ref.pid} serving`;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && isAlive(ref) && this.#ref === ref) {
      if (await log.mentions(marker)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (this.#ref !== ref) return;
    this.#ready = true;
    if (this.#hupOwed && isAlive(ref)) signalGroup(ref, 'SIGHUP');
    this.#hupOwed = false;
  }

  /**
   * Writes the table (when it changed) and tells the balancer to reload. The write happens
   * off the event loop (an fsync can take hundreds of milliseconds on a busy disk, and a
   * rollout changes the table at every pod it starts and stops), one at a time: a table
   * published while one is being written is written next, and only the latest of them.
   * Resolves once the table is written and the balancer told to reload.
   */
  publish(listeners: Listener[]): Promise<void> {
    const key = JSON.stringify(listeners);
    if (key !== this.#last) {
      this.#last = key;
      this.#version += 1;
      this.#next = { version: this.#version, listeners };
      this.#writing ??= this.#write();
    }
    // resolves once this table (or a later one) is written and the balancer told
    return this.#writing ?? Promise.resolve();
  }

  async #write(): Promise<void> {
    for (let table = this.#next; table !== null; table = this.#next) {
      this.#next = null;
      try {
        await this.#store.saveAsync(TABLE_KEY, table);
      } catch (err) {
        console.error(`[local] cannot publish the balancer table: ${(err as Error).message}`);
        if (this.#next === null) this.#last = ''; // the next publish writes it again
        continue;
      }
      if (!this.#ready) this.#hupOwed = true;
      else if (this.#ref) signalGroup(this.#ref, 'SIGHUP');
    }
    this.#writing = null;
  }

  /** Whether the balancer process is alive. */
  running(): boolean {
    return this.#ref !== null && isAlive(this.#ref);
  }

  /** Restarts the balancer when it died (called periodically); true when it did. */
  async ensureRunning(): Promise<boolean> {
    // One restart at a time: a check while a restart is still starting the balancer waits for it.
    if (this.#restarting) return this.#restarting.then(() => false);
    if (this.#ref && isAlive(this.#ref)) return false;
    console.log('[local] the service balancer is gone: starting a new one');
    this.#restarting = this.start(null).finally(() => {
      this.#restarting = null;
    });
    await this.#restarting;
    return true;
  }

  async stop(): Promise<void> {
    await this.#writing;
    if (this.#ref) await stopProcess(this.#ref, 3000);
    this.#ref = null;
  }
}

/**
 * Reads a log file onwards from an offset, a bounded chunk at a time, to find a line:
 * everything the process logged since it started is seen, however busy its log.
 */
class LogScanner {
  static readonly CHUNK = 64 * 1024;
  readonly #file: string;
  #pos: number;
  /** The end of the last chunk read (a line may straddle two chunks). */
  #carry = '';

  constructor(file: string, from: number) {
    this.#file = file;
    this.#pos = from;
  }

  /** Whether the lines logged so far (from the offset on) contain `text`. */
  async mentions(text: string): Promise<boolean> {
    const fh = await open(this.#file, 'r').catch(() => undefined);
    if (!fh) return false;
    try {
      const buf = Buffer.alloc(LogScanner.CHUNK);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.#pos);
        if (bytesRead === 0) return false;
        this.#pos += bytesRead;
        const seen = this.#carry + buf.toString('utf8', 0, bytesRead);
        if (seen.includes(text)) return true;
        this.#carry = seen.slice(-text.length);
      }
    } finally {
      await fh.close();
    }
  }
}
