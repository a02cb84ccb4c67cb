/**
 * The controller's side of the service balancer: starts it (or adopts the one a
 * previous controller left running), hands it the routing table and stops it on a
 * graceful shutdown.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StateStore } from '../../../state/store.ts';
import { tailLines } from '../log-tail.ts';
import { isAlive, type ProcRef, signalGroup, spawnDetached, stopProcess } from '../processes.ts';
import { type BalancerTable, type Listener, TABLE_KEY } from './table.ts';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');

export class BalancerManager {
  readonly #store: StateStore;
  readonly #cwd: string;
  readonly #hostEnv: Record<string, string>;
  #ref: ProcRef | null = null;
  /** A balancer we just started installs its SIGHUP handler only after loading; until then it polls. */
  #hupAfter = 0;
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
      return previous;
    }
    const running = await spawnDetached({
      command: process.execPath,
      args: ['--import', 'tsx', MAIN, this.#store.dir],
      cwd: this.#cwd,
      env: this.#hostEnv,
      logFile: join(this.#store.dir, 'balancer.log'),
    });
    this.#ref = running.ref;
    this.#hupAfter = Date.now() + 5000;
    await this.#untilServing(running.ref);
    return running.ref;
  }

  /** Waits (bounded) until the new balancer reports it serves, so services answer once pods are ready. */
  async #untilServing(ref: ProcRef): Promise<void> {
    const log = join(this.#store.dir, 'balancer.log');
    const marker = `balancer ${ref.pid} serving`;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && isAlive(ref)) {
      if (tailLines(log, 20).some((l) => l.includes(marker))) {
        this.#hupAfter = 0;
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
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
      if (this.#ref && Date.now() > this.#hupAfter) signalGroup(this.#ref, 'SIGHUP');
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
