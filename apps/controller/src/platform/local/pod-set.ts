/**
 * The local platform's running pods: their loopback addresses (127.10.x.y), starting
 * new ones from a workload's template, draining and stopping old ones, waiting for
 * readiness, adopting the pods a previous controller left running, and their logs.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, MeshError, type StoppedPod } from '@weft/shared';
import { AddressPool } from './addresses.ts';
import { allocateUnheld, listenedOn } from './held-addresses.ts';
import type { Inventory, WorkloadEntry } from './inventory.ts';
import { tailLines } from './log-tail.ts';
import { netnsPodPool } from './netns/layout.ts';
import { createPodNetwork, deletePodNetwork, podNetworkExists } from './netns/pod-network.ts';
import { type Container, LocalPod } from './pod.ts';
import { type LocalCapture, type PodIdentity, type PodPort, PROXY_PORTS, podPorts } from './pod-env.ts';
import { noLaunch, podLaunch } from './pod-launch.ts';
import type { PodRecord } from './pod-record.ts';
import type { ReadyResult } from './rollout.ts';
import { StoppedPodLogs } from './stopped-logs.ts';
import { newPodName, objectKey, templateHash } from './template.ts';

/** How long a stopping pod waits for the balancer to be told it left, at most, before its drain delay. */
const TABLE_WAIT_MS = 5000;

/** Crashes in a row after which a rollout stops waiting for a new pod. */
const CRASH_LOOP_LIMIT = 3;

export interface PodSetOptions {
  podOctet: number;
  /** Where each pod's logs live (`<dir>/pods/<namespace>/<name>`; a few stopped ones in `<dir>/stopped-pods`). */
  stateDir: string;
  workdir: string;
  proxyMain: string;
  repoRoot: string;
  hostEnv: Record<string, string>;
  readyTimeoutMs: number;
  drainDelayMs: number;
  stopGraceMs: number;
  controllerUrl: () => string;
  proxyEnvFor: ((pod: PodIdentity) => Record<string, string>) | undefined;
  /** `netns`: each pod in its own network namespace on link-local addresses (root). */
  capture: LocalCapture;
}

/** What the pod set tells the platform. */
export interface PodSetHooks {
  /** A pod's record changed (started, became ready, crashed, went away). */
  changed(pod: LocalPod): void;
  /**
   * A pod was taken out of its endpoints and is about to drain: resolves once the service
   * balancer was told (its drain delay counts from then, not from when the table was asked for).
   */
  draining(): Promise<void>;
  /** The set of pods changed: persist it now. */
  persist(): void;
  /** The platform is stopping: no new pods, no more waiting. */
  stopped(): boolean;
}

export class PodSet {
  readonly #o: PodSetOptions;
  readonly #inventory: Inventory;
  readonly #hooks: PodSetHooks;
  readonly #ips: AddressPool;
  readonly #pods = new Map<string, LocalPod>();
  readonly #stoppedLogs: StoppedPodLogs;
  #membership = 0;

  constructor(options: PodSetOptions, inventory: Inventory, hooks: PodSetHooks) {
    this.#o = options;
    this.#inventory = inventory;
    this.#hooks = hooks;
    this.#stoppedLogs = new StoppedPodLogs(options.stateDir);
    this.#ips = options.capture === 'netns' ? netnsPodPool() : new AddressPool(10, options.podOctet);
  }

  /** Changes whenever a pod joins or leaves the set (what the service views depend on). */
  get membership(): number {
    return this.#membership;
  }

  /** Every pod, terminating ones included. */
  all(): LocalPod[] {
    return [...this.#pods.values()];
  }

  /** A pod that is not terminating. */
  live(namespace: string, name: string): LocalPod | undefined {
    const pod = this.#pods.get(objectKey(namespace, name));
    return pod && !pod.terminating ? pod : undefined;
  }

  /** The workload's pods that are not terminating. */
  of(w: WorkloadEntry): LocalPod[] {
    return this.all().filter(
      (p) => !p.terminating && p.record.namespace === w.spec.namespace && p.record.workload === w.spec.name,
    );
  }

  /**
   * The last lines of a pod's container output: a running (or stopping) pod's, else one of
   * the last stopped pods' of its workload; `WEFT_NOT_FOUND` for an unknown pod.
   */
  async logs(namespace: string, name: string, lines: number, container: Container): Promise<string[]> {
    const pod = this.#pods.get(objectKey(namespace, name));
    if (pod && existsSync(pod.logFile(container))) return tailLines(pod.logFile(container), lines);
    // a pod that just stopped: its logs are moving (or moved) to the stopped pods' ones
    const stopped = await this.#stoppedLogs.logFile(namespace, name, container);
    if (stopped !== undefined) return tailLines(stopped, lines);
    if (pod) return [];
    throw new MeshError(ErrorCode.notFound, `pod ${namespace}/${name} not found`);
  }

  /** The workload's stopped pods whose logs are kept, newest first. */
  stopped(namespace: string, workload: string): Promise<StoppedPod[]> {
    return this.#stoppedLogs
      .list(namespace, workload)
      .then((kept) => kept.map((k) => ({ namespace, workload, ...k })));
  }

  /**
   * Takes over the pods a previous controller recorded; stops those no workload owns any
   * more. The logs of a workload deleted from the manifests (its stopped pods', and those
   * of its pods stopped here) are deleted with it.
   */
  async adopt(records: readonly PodRecord[]): Promise<void> {
    const orphans: PodRecord[] = [];
    for (const record of records) {
      const w = this.#inventory.find(record.namespace, record.workload);
      if (!w || !this.#ips.reserve(record.ip)) {
        orphans.push(record);
        continue;
      }
      // a pod whose namespace is gone (the machine restarted) gets a new one before it restarts
      if (this.#o.capture === 'netns' && !podNetworkExists(record.ip))
        createPodNetwork(record.ip, record.meshed);
      this.#pods.set(objectKey(record.namespace, record.name), this.#makePod(w, record));
      this.#membership++;
    }
    const exists = (namespace: string, workload: string) => !!this.#inventory.find(namespace, workload);
    for (const record of orphans) {
      const pod = new LocalPod(record, noLaunch(record), this.#logDir(record), () => {});
      const logDir = this.#logDir(record);
      void pod
        .stop(this.#o.stopGraceMs)
        .then(() => this.#removeNetwork(record.ip))
        .then(() =>
          exists(record.namespace, record.workload)
            ? this.#stoppedLogs.keep(record, logDir)
            : rm(logDir, { recursive: true, force: true }),
        )
        .catch(() => {});
    }
    await this.#stoppedLogs.forgetDeleted(exists);
    await Promise.all(this.all().map((p) => p.adopt()));
  }

  /** Starts a pod from the workload's current template; resolves with its name. */
  async create(w: WorkloadEntry): Promise<string> {
    if (this.#hooks.stopped()) throw new Error('the platform is stopping');
    const { spec } = w;
    const hash = templateHash(spec, w.state.meshed);
    const name = newPodName(spec.name, hash);
    // in its own namespace the app keeps its declared ports: iptables hands them to the proxy
    const ports = podPorts(spec.container, w.state.meshed && this.#o.capture !== 'netns');
    // link-local addresses live in the pods' own namespaces: only loopback ones can be held by others
    const ip =
      this.#o.capture === 'netns'
        ? this.#ips.allocate()
        : await allocateUnheld(this.#ips, boundPorts(ports, w.state.meshed), listenedOn, (held) =>
            console.error(
              `[local] pod address ${held} skipped: another process listens there (a pod left by a controller that did not shut down?)`,
            ),
          );
    const now = new Date().toISOString();
    const record: PodRecord = {
      namespace: spec.namespace,
      name,
      workload: spec.name,
      ip,
      templateHash: hash,
      meshed: w.state.meshed,
      createdAt: now,
      ports,
      app: null,
      proxy: null,
      restarts: 0,
      lastExit: null,
      startedAt: now,
      ready: false,
    };
    if (this.#o.capture === 'netns') {
      try {
        createPodNetwork(record.ip, record.meshed);
      } catch (err) {
        this.#removeNetwork(record.ip);
        this.#ips.release(record.ip);
        throw err;
      }
    }
    const pod = this.#makePod(w, record);
    this.#pods.set(objectKey(spec.namespace, name), pod);
    this.#membership++;
    await pod.start();
    this.#hooks.persist();
    this.#hooks.changed(pod);
    return name;
  }

  /**
   * Takes the pod out of its endpoints at once, and lets it drain and stop in the
   * background, as a Kubernetes pod deletion returns once the pod is terminating.
   */
  terminate(namespace: string, name: string): void {
    this.delete(namespace, name).catch((err: unknown) =>
      console.error(`[local] cannot stop pod ${namespace}/${name}: ${(err as Error).message}`),
    );
  }

  /** Takes the pod out of its endpoints, lets it drain, stops it and frees its address. */
  async delete(namespace: string, name: string): Promise<void> {
    const pod = this.#pods.get(objectKey(namespace, name));
    if (!pod) return;
    pod.detach();
    pod.record.ready = false;
    this.#hooks.changed(pod);
    await Promise.race([
      this.#hooks.draining(),
      new Promise((r) => setTimeout(r, TABLE_WAIT_MS)), // a stuck disk does not hold the stop
    ]);
    await new Promise((r) => setTimeout(r, this.#o.drainDelayMs));
    await pod.stop(this.#o.stopGraceMs);
    await this.#stoppedLogs.keep(pod.record, this.#logDir(pod.record));
    this.#pods.delete(objectKey(namespace, name));
    this.#membership++;
    this.#removeNetwork(pod.record.ip);
    this.#ips.release(pod.record.ip);
    this.#hooks.persist();
    this.#hooks.changed(pod);
  }

  /**
   * Waits until the pod is ready, crash-loops or goes away. Past the progress deadline it
   * says so once through `onDeadline` and keeps waiting (a slow machine is not a failure).
   */
  async waitReady(
    namespace: string,
    name: string,
    cancelled: () => boolean,
    onDeadline: (reason: string) => void,
  ): Promise<ReadyResult> {
    let deadline = Date.now() + this.#o.readyTimeoutMs;
    while (!this.#hooks.stopped()) {
      if (cancelled()) return { ready: false, reason: 'superseded by a newer change' };
      const pod = this.live(namespace, name);
      if (!pod) return { ready: false, reason: `pod ${name} went away` };
      if (pod.record.ready) return { ready: true };
      const exit = pod.record.lastExit;
      const why = exit ? `; last exit: code ${exit.code}, signal ${exit.signal}` : '';
      if (pod.crashLooping >= CRASH_LOOP_LIMIT) {
        const tail = tailLines(pod.logFile(pod.record.proxy || !pod.record.meshed ? 'app' : 'proxy'), 1)[0];
        return {
          ready: false,
          reason: `pod ${name} keeps crashing (${pod.record.restarts} restarts${why})${tail ? `: ${tail}` : ''}`,
        };
      }
      if (Date.now() > deadline) {
        deadline = Number.POSITIVE_INFINITY;
        onDeadline(`pod ${name} did not become ready within ${this.#o.readyTimeoutMs / 1000} s${why}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return { ready: false, reason: 'the platform is stopping' };
  }

  /** Stops every pod (a graceful shutdown); pods a rollout starts meanwhile are caught by the next round. */
  async stopAll(graceMs: number): Promise<void> {
    for (let round = 0; round < 5 && this.#pods.size > 0; round++) {
      const pods = this.all();
      await Promise.all(pods.map((p) => p.stop(graceMs, true)));
      for (const p of pods) {
        this.#pods.delete(objectKey(p.record.namespace, p.record.name));
        this.#membership++;
        this.#removeNetwork(p.record.ip);
      }
      await Promise.all(pods.map((p) => this.#stoppedLogs.keep(p.record, this.#logDir(p.record))));
    }
  }

  /** Lets every pod run on without this controller watching it. */
  detachAll(): void {
    for (const p of this.#pods.values()) p.detach();
  }

  #removeNetwork(ip: string): void {
    if (this.#o.capture === 'netns') deletePodNetwork(ip);
  }

  #logDir(record: { namespace: string; name: string }) {
    return join(this.#o.stateDir, 'pods', record.namespace, record.name);
  }

  #makePod(w: WorkloadEntry, record: PodRecord): LocalPod {
    const launch = podLaunch(w.spec, record, {
      workdir: this.#o.workdir,
      proxyMain: this.#o.proxyMain,
      repoRoot: this.#o.repoRoot,
      hostEnv: this.#o.hostEnv,
      stopGraceMs: this.#o.stopGraceMs,
      controllerUrl: this.#o.controllerUrl,
      services: () => this.#inventory.serviceAddresses(),
      proxyEnvFor: this.#o.proxyEnvFor,
      capture: this.#o.capture,
    });
    return new LocalPod(record, launch, this.#logDir(record), (p) => this.#hooks.changed(p));
  }
}

/** Every port a pod binds on its address: its apps' and, when meshed, its proxy's. */
function boundPorts(ports: readonly PodPort[], meshed: boolean): number[] {
  const all = new Set(ports.flatMap((p) => [p.containerPort, p.appPort]));
  if (meshed) for (const p of PROXY_PORTS) all.add(p);
  return [...all];
}
