/**
 * One pod on the local platform: its app process and, when meshed, its proxy process;
 * restarts after a crash with exponential back-off; readiness from the container's
 * probe (or the port opening) and the proxy's `/ready`. A pod is either started here
 * or adopted from a previous controller's record, and stops only when told to (the
 * controller going away does not stop it).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Probe } from './manifests.ts';
import { PROXY_ADMIN_PORT } from './pod-env.ts';
import type { PodRecord } from './pod-record.ts';
import { type ProbeTarget, probeOnce, probeProxy } from './probe.ts';
import {
  type ExitInfo,
  isAlive,
  type ProcRef,
  type Running,
  spawnDetached,
  stopProcess,
  watchAdopted,
} from './processes.ts';

/** How to (re)start the pod's processes; built by the platform from the current spec. */
export interface PodLaunch {
  app: () => { command: string; args: string[]; cwd: string; env: Record<string, string> };
  proxy:
    | (() => { command: string; args: string[]; cwd: string; env: Record<string, string>; gid?: number })
    | undefined;
  /** The app's readiness check (already pointed at the app's own port); none: ready while running. */
  probe: {
    target: ProbeTarget | undefined;
    spec: Pick<
      Probe,
      'initialDelaySeconds' | 'periodSeconds' | 'timeoutSeconds' | 'failureThreshold' | 'successThreshold'
    >;
  };
}

export type Container = 'app' | 'proxy';

/** Back-off after the n-th consecutive crash: 1 s, 2 s, 4 s ... capped. */
export function restartDelayMs(consecutive: number, capMs = 30_000): number {
  return Math.min(capMs, 1000 * 2 ** Math.max(0, consecutive - 1));
}

/** A run longer than this resets the back-off. */
const STABLE_RUN_MS = 30_000;
/** Probe interval while not ready, and the cap on it while ready. */
const PROBE_FAST_MS = 200;
const PROBE_SLOW_CAP_MS = 2000;

export class LocalPod {
  readonly record: PodRecord;
  readonly #launch: PodLaunch;
  readonly #logDir: string;
  readonly #onChange: (pod: LocalPod) => void;
  #terminating = false;
  #consecutiveCrashes = 0;
  #probeTimer: NodeJS.Timeout | undefined;
  #restartTimers = new Set<NodeJS.Timeout>();
  #cancels: (() => void)[] = [];
  #okStreak = 0;
  #failStreak = 0;
  #containerStart = Date.now();
  /**
   * Whether the pod's proxy said, at its last ready probe, that it serves mTLS: only then
   * are its endpoints announced as meshed (before, callers are sent plaintext, which the
   * proxy serves too; mesh TLS it cannot yet terminate would fail).
   */
  servesTls = false;
  /**
   * Whether the pod passed its readiness probe since its processes last started: only such
   * a pod may take traffic past the balancer's panic threshold (a starting one may not listen).
   */
  readySinceStart = false;

  constructor(record: PodRecord, launch: PodLaunch, logDir: string, onChange: (pod: LocalPod) => void) {
    this.record = record;
    // an adopted pod keeps what the previous controller announced until its first probe
    this.servesTls = record.meshed && record.ready;
    this.readySinceStart = record.ready;
    this.#launch = launch;
    this.#logDir = logDir;
    this.#onChange = onChange;
  }

  get terminating(): boolean {
    return this.#terminating;
  }

  logFile(container: Container): string {
    return join(this.#logDir, `${container}.log`);
  }

  /** Starts the containers that are not running (all of them for a new pod). */
  async start(): Promise<void> {
    if (this.#launch.proxy && !this.record.proxy) await this.#run('proxy');
    if (!this.record.app) await this.#run('app');
    this.#scheduleProbe(0);
  }

  /** Takes over processes a previous controller started; restarts those that died meanwhile. */
  async adopt(): Promise<void> {
    for (const c of ['proxy', 'app'] as const) {
      const ref = this.record[c];
      if (!ref) continue;
      if (isAlive(ref)) {
        const w = watchAdopted(ref);
        this.#cancels.push(w.cancel);
        void w.exited.then((exit) => this.#exited(c, ref, exit));
      } else {
        this.record[c] = null;
        this.record.restarts += 1;
        this.#noteExit({ code: null, signal: null });
      }
    }
    if ((this.#launch.proxy && !this.record.proxy) || !this.record.app) {
      this.record.ready = false;
      await this.start();
      return;
    }
    this.#containerStart = Date.parse(this.record.startedAt) || Date.now();
    this.#scheduleProbe(0);
  }

  async #run(c: Container): Promise<void> {
    let running: Running;
    try {
      const spec = c === 'app' ? this.#launch.app() : this.#launch.proxy?.();
      if (!spec) return;
      running = await spawnDetached({ ...spec, logFile: this.logFile(c) });
    } catch (err) {
      // Counted as a crash (as Kubernetes counts a container that cannot start), and told in its log.
      const why = `cannot start ${c}: ${(err as Error).message}`;
      try {
        mkdirSync(this.#logDir, { recursive: true });
        appendFileSync(this.logFile(c), `[weft] ${why}\n`);
      } catch {
        // The reason is still in the controller's log.
      }
      this.record.restarts += 1;
      this.#consecutiveCrashes += 1;
      this.#noteExit({ code: null, signal: null });
      this.#crashLater(c, why);
      return;
    }
    if (this.#terminating) {
      // the pod was stopped while this container started: it goes too
      void stopProcess(running.ref, 0);
      return;
    }
    this.record[c] = running.ref;
    this.readySinceStart = false;
    if (c === 'app') {
      this.record.startedAt = new Date().toISOString();
      this.#containerStart = Date.now();
    }
    this.#onChange(this);
    void running.exited.then((exit) => this.#exited(c, running.ref, exit));
  }

  #noteExit(exit: ExitInfo) {
    this.record.lastExit = { code: exit.code, signal: exit.signal, at: new Date().toISOString() };
  }

  #exited(c: Container, ref: ProcRef, exit: ExitInfo) {
    if (this.#terminating || this.record[c]?.pid !== ref.pid) return;
    this.record[c] = null;
    this.record.restarts += 1;
    this.#noteExit(exit);
    this.#setReady(false);
    const ranFor = Date.now() - this.#containerStart;
    this.#consecutiveCrashes = ranFor > STABLE_RUN_MS ? 1 : this.#consecutiveCrashes + 1;
    this.#crashLater(c, `${c} exited (code ${exit.code}, signal ${exit.signal})`);
  }

  #crashLater(c: Container, why: string) {
    const delay = restartDelayMs(this.#consecutiveCrashes);
    console.log(
      `[local] pod ${this.record.namespace}/${this.record.name}: ${why}; restarting in ${delay} ms`,
    );
    this.#onChange(this);
    const t = setTimeout(() => {
      this.#restartTimers.delete(t);
      if (!this.#terminating && !this.record[c]) void this.#run(c);
    }, delay);
    this.#restartTimers.add(t);
  }

  /** Consecutive crashes since the last stable run (a rollout gives up on a crash-looping pod). */
  get crashLooping(): number {
    return this.#consecutiveCrashes;
  }

  #setReady(ready: boolean) {
    if (this.record.ready === ready) return;
    this.record.ready = ready;
    if (ready) this.readySinceStart = true;
    const { namespace, name } = this.record;
    const since = ready ? ` ${Date.now() - this.#containerStart} ms after its start` : '';
    console.log(`[local] pod ${namespace}/${name} is ${ready ? 'ready' : 'not ready'}${since}`);
    this.#onChange(this);
  }

  #scheduleProbe(delayMs: number) {
    clearTimeout(this.#probeTimer);
    if (this.#terminating) return;
    this.#probeTimer = setTimeout(() => void this.#probe(), delayMs);
  }

  async #probe() {
    if (this.#terminating) return;
    const { spec, target } = this.#launch.probe;
    const period = Math.min(PROBE_SLOW_CAP_MS, spec.periodSeconds * 1000);
    if (!this.record.app || (this.#launch.proxy && !this.record.proxy)) {
      this.#setReady(false);
      this.#scheduleProbe(PROBE_FAST_MS);
      return;
    }
    if (Date.now() - this.#containerStart < spec.initialDelaySeconds * 1000) {
      this.#scheduleProbe(PROBE_FAST_MS);
      return;
    }
    const timeout = spec.timeoutSeconds * 1000;
    let ok = target ? await probeOnce(target, timeout) : true;
    let tls = false;
    if (ok && this.#launch.proxy) {
      const proxy = await probeProxy(this.record.ip, PROXY_ADMIN_PORT, timeout);
      ok = proxy.ready;
      tls = proxy.tlsIdentity !== undefined;
    }
    if (this.#terminating) return;
    if (ok && tls !== this.servesTls) {
      this.servesTls = tls;
      this.#onChange(this);
    }
    if (ok) {
      this.#failStreak = 0;
      this.#okStreak += 1;
      if (this.#okStreak >= spec.successThreshold) this.#setReady(true);
    } else {
      this.#okStreak = 0;
      this.#failStreak += 1;
      if (!this.record.ready || this.#failStreak >= spec.failureThreshold) this.#setReady(false);
    }
    this.#scheduleProbe(this.record.ready ? period : PROBE_FAST_MS);
  }

  /** Stops following the processes without stopping them (the controller is going away). */
  detach(): void {
    this.#terminating = true;
    clearTimeout(this.#probeTimer);
    for (const t of this.#restartTimers) clearTimeout(t);
    for (const cancel of this.#cancels) cancel();
  }

  /**
   * Stops the app (draining for up to `graceMs`), then the proxy, so the app's requests in
   * flight still have their proxy. `together` stops both at once (everything is going down).
   */
  async stop(graceMs: number, together = false): Promise<void> {
    this.detach();
    this.record.ready = false;
    const { app, proxy } = this.record;
    if (together) {
      await Promise.all([app && stopProcess(app, graceMs), proxy && stopProcess(proxy, graceMs)]);
    } else {
      if (app) await stopProcess(app, graceMs);
      if (proxy) await stopProcess(proxy, graceMs);
    }
    this.record.app = null;
    this.record.proxy = null;
  }
}
