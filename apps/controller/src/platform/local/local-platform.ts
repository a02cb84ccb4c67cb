/**
 * The local platform: runs the Deployments and Services of a manifest directory as
 * processes on this machine. Pods get 127.10.x.y, services 127.20.x.y served by the
 * balancer process; meshing rolls pods onto a proxy; everything needed to take the
 * running pods over after a restart is kept in the state store.
 *
 * This module wires the parts and answers the `Platform` port: `Inventory` (what the
 * manifests declare and the desired state), `PodSet` (the running pods), `Reconciler`
 * (rollouts), `ServiceTable` (endpoints and the balancer) and `LocalStatePersistence`.
 */
import { EventEmitter } from 'node:events';
import {
  type Endpoint,
  ErrorCode,
  MeshError,
  type Pod,
  type RolloutProgress,
  type Service,
  type StoppedPod,
  type Workload,
  type WorkloadRef,
} from '@weft/shared';
import type { Platform, PlatformEvent, ServiceEndpoints, Unsubscribe } from '../../core/platform.ts';
import type { StateStore } from '../../state/store.ts';
import { Inventory, type WorkloadEntry } from './inventory.ts';
import { readManifestDir } from './manifests.ts';
import { NodeNetwork } from './netns/node-network.ts';
import { LocalStatePersistence } from './persistence.ts';
import type { Container, LocalPod } from './pod.ts';
import type { LocalCapture, PodIdentity } from './pod-env.ts';
import { PodSet } from './pod-set.ts';
import { Reconciler } from './reconciler.ts';
import { defaultRolloutConcurrency, RolloutSlots } from './rollout-slots.ts';
import { ServiceTable } from './service-table.ts';
import type { LocalState } from './state.ts';
import { templateHash } from './template.ts';
import { podView, workloadView } from './views.ts';

export { templateHash } from './template.ts';

export interface LocalPlatformOptions {
  manifestsDir: string;
  /** Host directory the image's `/app` maps to. */
  workdir: string;
  store: StateStore;
  podOctet: number;
  serviceOctet: number;
  /** The proxy's entry point (run with `node --import tsx`). */
  proxyMain: string;
  /** Working directory for the proxy and balancer processes (the repository root). */
  repoRoot: string;
  /** Where proxies reach the controller; read each time a pod starts (the API may bind after construction). */
  controllerUrl?: () => string;
  /** How long a new pod may take to become ready before its rollout is reported as not progressing (it keeps waiting). */
  readyTimeoutMs?: number;
  /** How many workloads roll out at once (the rest wait, queued); default two per core, at least two. */
  maxConcurrentRollouts?: number;
  /** Pause between taking a pod out of its endpoints and stopping it. */
  drainDelayMs?: number;
  /** How long a stopping process may drain before SIGKILL. */
  stopGraceMs?: number;
  /** Host variables passed on to every process (PATH, HOME, ...); from env.ts. */
  hostEnv?: Record<string, string>;
  /** Extra proxy environment per pod (e.g. an identity token). */
  proxyEnvFor?: (pod: PodIdentity) => Record<string, string>;
  /** `netns` (root): each pod in its own network namespace with iptables capture; default `http-proxy`. */
  capture?: LocalCapture;
}

/** How long each process may drain when the whole platform shuts down. */
const SHUTDOWN_GRACE_MS = 3000;

export class LocalPlatform implements Platform {
  readonly kind = 'local';
  readonly #manifestsDir: string;
  readonly #stopGraceMs: number;
  readonly #events = new EventEmitter();
  readonly #inventory: Inventory;
  readonly #pods: PodSet;
  readonly #reconciler: Reconciler;
  readonly #services: ServiceTable;
  readonly #persistence: LocalStatePersistence;
  #stopped = false;
  #started = false;
  /** netns capture: the bridge, host link and controller relay; null otherwise. */
  readonly #node: NodeNetwork | null;
  readonly #controllerUrl: () => string;
  #podControllerUrl = '';

  constructor(options: LocalPlatformOptions) {
    this.#manifestsDir = options.manifestsDir;
    this.#stopGraceMs = options.stopGraceMs ?? 10_000;
    const hostEnv = options.hostEnv ?? {};
    const stopped = () => this.#stopped;
    const capture = options.capture ?? 'http-proxy';
    this.#node = capture === 'netns' ? new NodeNetwork() : null;
    this.#controllerUrl = options.controllerUrl ?? (() => '');
    this.#inventory = new Inventory(options.serviceOctet, capture);
    this.#persistence = new LocalStatePersistence(options.store, () => this.#snapshot());
    this.#pods = new PodSet(
      {
        podOctet: options.podOctet,
        stateDir: options.store.dir,
        workdir: options.workdir,
        proxyMain: options.proxyMain,
        repoRoot: options.repoRoot,
        hostEnv,
        readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
        drainDelayMs: options.drainDelayMs ?? 1000,
        stopGraceMs: this.#stopGraceMs,
        // netns: proxies reach the controller through the relay on the host's link address
        controllerUrl: this.#node === null ? this.#controllerUrl : () => this.#podControllerUrl,
        proxyEnvFor: options.proxyEnvFor,
        capture,
      },
      this.#inventory,
      {
        changed: (pod) => this.#podChanged(pod),
        draining: () => this.#services.publish(),
        persist: () => this.#persistence.saveNow(),
        stopped,
      },
    );
    this.#reconciler = new Reconciler(
      this.#pods,
      {
        progressed: (w) => {
          this.#emit({ kind: 'rollout', progress: w.progress });
          this.#emit({ kind: 'workload', namespace: w.spec.namespace, name: w.spec.name });
        },
        persist: () => this.#persistence.saveNow(),
        stopped,
      },
      new RolloutSlots(options.maxConcurrentRollouts ?? defaultRolloutConcurrency()),
    );
    this.#services = new ServiceTable(this.#inventory, this.#pods, options.store, options.repoRoot, hostEnv);
    this.#events.setMaxListeners(0);
  }

  // === reads ===

  listNamespaces(): string[] {
    return this.#inventory.namespaces();
  }

  listWorkloads(namespace?: string): Workload[] {
    return this.#inventory.sortedWorkloads(namespace).map((w) => this.#toWorkload(w));
  }

  getWorkload(ref: WorkloadRef): Workload | undefined {
    const w = this.#inventory.find(ref.namespace, ref.name);
    return w && this.#toWorkload(w);
  }

  listPods(namespace?: string, workload?: string): Pod[] {
    return this.#pods
      .all()
      .filter(
        (p) =>
          !p.terminating &&
          (!namespace || p.record.namespace === namespace) &&
          (!workload || p.record.workload === workload),
      )
      .map((p) => podView(p.record))
      .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  }

  listServices(namespace?: string): Service[] {
    return this.#inventory.sortedServices(namespace).map((s) => this.#services.view(s));
  }

  listEndpoints(ref: WorkloadRef): ServiceEndpoints[] {
    return this.#services.endpoints(ref);
  }

  podEndpoint(address: string, port: number): Endpoint | undefined {
    return this.#services.podEndpoint(address, port);
  }

  watch(listener: (event: PlatformEvent) => void): Unsubscribe {
    const safe = (e: PlatformEvent) => {
      try {
        listener(e);
      } catch (err) {
        console.error(`[local] a watcher threw: ${(err as Error).message}`);
      }
    };
    this.#events.on('event', safe);
    return () => this.#events.off('event', safe);
  }

  problems(): string[] {
    if (!this.#started || this.#stopped) return [];
    return this.#services.problems();
  }

  rolloutStatus(ref: WorkloadRef): RolloutProgress {
    return this.#inventory.entry(ref).progress;
  }

  async podLogs(
    namespace: string,
    pod: string,
    lines: number,
    container: Container = 'app',
  ): Promise<string[]> {
    return this.#pods.logs(namespace, pod, lines, container);
  }

  listStoppedPods(namespace: string, workload: string): Promise<StoppedPod[]> {
    return this.#pods.stopped(namespace, workload);
  }

  // === mutations ===

  // Each answers once the new desired state is on disk.
  async mesh(ref: WorkloadRef): Promise<RolloutProgress> {
    const progress = this.#reconciler.setMeshed(this.#inventory.entry(ref), true);
    await this.#persistence.flushed();
    return progress;
  }

  async unmesh(ref: WorkloadRef): Promise<RolloutProgress> {
    const progress = this.#reconciler.setMeshed(this.#inventory.entry(ref), false);
    await this.#persistence.flushed();
    return progress;
  }

  async scale(ref: WorkloadRef, replicas: number): Promise<Workload> {
    const w = this.#inventory.entry(ref);
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new MeshError(
        ErrorCode.invalidInput,
        `replicas: must be a whole number, 0 or more (got ${replicas})`,
      );
    }
    w.state.replicas = replicas;
    this.#persistence.saveNow();
    this.#emit({ kind: 'workload', namespace: ref.namespace, name: ref.name });
    this.#reconciler.reconcile(w);
    await this.#persistence.flushed();
    return this.#toWorkload(w);
  }

  // === lifecycle ===

  async start(): Promise<void> {
    const manifests = readManifestDir(this.#manifestsDir);
    const saved = this.#persistence.load();
    this.#inventory.load(manifests, saved, new Date().toISOString());
    if (this.#node !== null) {
      this.#node.up();
      const api = new URL(this.#controllerUrl());
      this.#podControllerUrl = await this.#node.relayController(api.hostname, Number(api.port));
      console.log(
        `[local] netns capture: pods on 169.254.100.0/24, proxies reach the controller at ${this.#podControllerUrl}`,
      );
    }
    await this.#services.start(saved.balancer, () => this.#persistence.saveNow());
    await this.#pods.adopt(saved.pods);
    this.#persistence.saveNow();
    await this.#services.publish();
    for (const w of this.#inventory.workloads.values()) this.#reconciler.reconcile(w);
    this.#started = true;
  }

  async stop(options: { stopWorkloads: boolean }): Promise<void> {
    this.#stopped = true;
    this.#persistence.cancel();
    this.#services.halt();
    if (options.stopWorkloads) {
      // Everything goes down together: no traffic to keep whole, so a short grace.
      await this.#pods.stopAll(Math.min(this.#stopGraceMs, SHUTDOWN_GRACE_MS));
      await this.#services.stopBalancer();
      this.#node?.down();
    } else {
      this.#pods.detachAll();
      this.#node?.closeRelay();
    }
    await this.#persistence.close();
  }

  // === change propagation ===

  #emit(e: PlatformEvent) {
    this.#events.emit('event', e);
  }

  #podChanged(pod: LocalPod) {
    if (this.#stopped) return;
    const { namespace, name, workload } = pod.record;
    this.#emit({ kind: 'pod', namespace, name, workload });
    this.#emit({ kind: 'workload', namespace, name: workload });
    for (const s of this.#inventory.services.values()) {
      if (this.#inventory.selects(s.spec, namespace, workload)) {
        this.#emit({ kind: 'endpoints', namespace, name: s.spec.name });
      }
    }
    this.#persistence.schedule();
    this.#services.schedulePublish();
  }

  #snapshot(): LocalState {
    return {
      version: 1,
      workloads: Object.fromEntries([...this.#inventory.workloads].map(([k, w]) => [k, w.state])),
      services: Object.fromEntries([...this.#inventory.services].map(([k, s]) => [k, s.clusterIP])),
      pods: this.#pods.all().map((p) => p.record),
      balancer: this.#services.balancerRef,
    };
  }

  #toWorkload(w: WorkloadEntry): Workload {
    return workloadView({
      ...w,
      pods: this.#pods.of(w).map((p) => p.record),
      hash: templateHash(w.spec, w.state.meshed),
    });
  }
}
