/**
 * The controller's side of the service balancer: starts it (or adopts the one a
 * previous controller left running), hands it the routing table and stops it on a
 * graceful shutdown.
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StateStore } from '../../../state/store.ts';
import { isAlive, type ProcRef, signalGroup, spawnDetached, stopProcess } from '../processes.ts';
import { waitForLine } from './log-wait.ts';
import { type BalancerTable, type Listener, TABLE_KEY } from './table.ts';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');
/** How often the new balancer's log is read without a change event (a missed one, a file not watchable). */
const LOG_POLL_MS = 500;

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
    const serving = this.#untilServing(running.ref, log, logFrom);
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
   * since it started. The log is read as it changes (a slow poll behind). Bounded: a
   * balancer silent for a minute is told anyway.
   */
  async #untilServing(ref: ProcRef, log: string, logFrom: number): Promise<void> {
    await waitForLine(log, logFrom, `balancer ${ref.pid} serving`, {
      timeoutMs: 60_000,
      pollMs: LOG_POLL_MS,
      waiting: () => isAlive(ref) && this.#ref === ref,
    });
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
