/**
 * The local platform: runs the Deployments and Services of a manifest directory as
 * processes on this machine. Pods get 127.10.x.y, services 127.20.x.y served by the
 * balancer process; meshing rolls pods onto a proxy; everything needed to take the
 * running pods over after a restart is kept in the state store.
 */
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Endpoint,
  ErrorCode,
  INJECT_ANNOTATION,
  MeshError,
  meshIdentity,
  type Pod,
  type RolloutProgress,
  type Service,
  type Workload,
  type WorkloadRef,
} from '@weft/shared';
import type { Platform, PlatformEvent, ServiceEndpoints, Unsubscribe } from '../../core/platform.ts';
import type { StateStore } from '../../core/state-store.ts';
import { AddressPool } from './addresses.ts';
import { BalancerManager } from './balancer/manager.ts';
import type { Listener } from './balancer/table.ts';
import { tailLines } from './log-tail.ts';
import {
  type DeploymentSpec,
  type Manifests,
  readManifestDir,
  resolvePort,
  type ServiceSpec,
} from './manifests.ts';
import { type Container, LocalPod } from './pod.ts';
import { type PodIdentity, podPorts, type ServiceAddress } from './pod-env.ts';
import { noLaunch, podLaunch } from './pod-launch.ts';
import type { PodRecord } from './pod-record.ts';
import { type ReadyResult, type RolloutStep, rollOut } from './rollout.ts';
import { emptyState, LOCAL_STATE_KEY, LocalState, type WorkloadState } from './state.ts';
import { newPodName, objectKey, templateHash } from './template.ts';
import { podView, serviceView, workloadView } from './views.ts';

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
  /** How long a new pod may take to become ready before a rollout fails. */
  readyTimeoutMs?: number;
  /** Pause between taking a pod out of its endpoints and stopping it. */
  drainDelayMs?: number;
  /** How long a stopping process may drain before SIGKILL. */
  stopGraceMs?: number;
  /** Host variables passed on to every process (PATH, HOME, ...); from env.ts. */
  hostEnv?: Record<string, string>;
  /** Extra proxy environment per pod (e.g. an identity token). */
  proxyEnvFor?: (pod: PodIdentity) => Record<string, string>;
}

interface WorkloadEntry {
  spec: DeploymentSpec;
  state: WorkloadState;
  progress: RolloutProgress;
  rolling: boolean;
  again: boolean;
}

interface ServiceEntry {
  spec: ServiceSpec;
  clusterIP: string;
}

/** How long each process may drain when the whole platform shuts down. */
const SHUTDOWN_GRACE_MS = 3000;

/** Crashes in a row after which a rollout stops waiting for a new pod. */
const CRASH_LOOP_LIMIT = 3;

const key = objectKey;

export class LocalPlatform implements Platform {
  readonly kind = 'local';
  readonly #o: Required<Omit<LocalPlatformOptions, 'proxyEnvFor'>> &
    Pick<LocalPlatformOptions, 'proxyEnvFor'>;
  readonly #events = new EventEmitter();
  readonly #podIps: AddressPool;
  readonly #serviceIps: AddressPool;
  readonly #balancer: BalancerManager;
  #manifests: Manifests = { deployments: [], services: [], namespaces: [] };
  readonly #workloads = new Map<string, WorkloadEntry>();
  readonly #services = new Map<string, ServiceEntry>();
  readonly #pods = new Map<string, LocalPod>();
  #controllerUrl = '';
  #stopped = false;
  #started = false;
  #saveTimer: NodeJS.Timeout | undefined;
  #tableTimer: NodeJS.Timeout | undefined;
  #healthTimer: NodeJS.Timeout | undefined;

  constructor(options: LocalPlatformOptions) {
    this.#o = { readyTimeoutMs: 60_000, drainDelayMs: 1000, stopGraceMs: 10_000, hostEnv: {}, ...options };
    this.#podIps = new AddressPool(10, options.podOctet);
    this.#serviceIps = new AddressPool(20, options.serviceOctet);
    this.#balancer = new BalancerManager(options.store, options.repoRoot, this.#o.hostEnv);
    this.#events.setMaxListeners(0);
  }

  /** Where proxies reach the controller; set before `start`. */
  setControllerUrl(url: string): void {
    this.#controllerUrl = url;
  }

  // === impl reads ===

  listNamespaces(): string[] {
    const names = new Set(this.#manifests.namespaces);
    for (const w of this.#workloads.values()) names.add(w.spec.namespace);
    for (const s of this.#services.values()) names.add(s.spec.namespace);
    return [...names].sort();
  }

  listWorkloads(namespace?: string): Workload[] {
    return [...this.#workloads.values()]
      .filter((w) => !namespace || w.spec.namespace === namespace)
      .map((w) => this.#toWorkload(w))
      .sort((a, b) => key(a.namespace, a.name).localeCompare(key(b.namespace, b.name)));
  }

  getWorkload(ref: WorkloadRef): Workload | undefined {
    const w = this.#workloads.get(key(ref.namespace, ref.name));
    return w && this.#toWorkload(w);
  }

  listPods(namespace?: string, workload?: string): Pod[] {
    return [...this.#pods.values()]
      .filter((p) => !p.terminating)
      .filter(
        (p) =>
          (!namespace || p.record.namespace === namespace) && (!workload || p.record.workload === workload),
      )
      .map((p) => this.#toPod(p))
      .sort((a, b) => key(a.namespace, a.name).localeCompare(key(b.namespace, b.name)));
  }

  listServices(namespace?: string): Service[] {
    return [...this.#services.values()]
      .filter((s) => !namespace || s.spec.namespace === namespace)
      .map((s) => this.#toService(s))
      .sort((a, b) => key(a.namespace, a.name).localeCompare(key(b.namespace, b.name)));
  }

  listEndpoints(ref: WorkloadRef): ServiceEndpoints[] {
    const s = this.#services.get(key(ref.namespace, ref.name));
    if (!s) return [];
    const pods = this.#selectedPods(s.spec).filter((p) => p.record.ready && !p.terminating);
    return s.spec.ports.map((port) => {
      const endpoints: Endpoint[] = [];
      for (const pod of pods) {
        const target = this.#targetPort(pod, port.targetPort);
        if (target === undefined) continue;
        const w = this.#workloads.get(key(pod.record.namespace, pod.record.workload));
        endpoints.push({
          address: pod.record.ip,
          port: target,
          pod: pod.record.name,
          workload: pod.record.workload,
          namespace: pod.record.namespace,
          meshed: pod.record.meshed,
          ...(pod.record.meshed && w
            ? { identity: meshIdentity(w.spec.serviceAccount, pod.record.namespace) }
            : {}),
        });
      }
      endpoints.sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }));
      return { service: { namespace: s.spec.namespace, name: s.spec.name }, port: port.port, endpoints };
    });
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
    return this.#balancer.running() ? [] : ['the service balancer is not running (restarting it)'];
  }

  rolloutStatus(ref: WorkloadRef): RolloutProgress {
    return this.#entry(ref).progress;
  }

  async podLogs(
    namespace: string,
    pod: string,
    lines: number,
    container: Container = 'app',
  ): Promise<string[]> {
    const p = this.#pods.get(key(namespace, pod));
    if (!p || p.terminating) throw new MeshError(ErrorCode.notFound, `pod ${namespace}/${pod} not found`);
    return tailLines(p.logFile(container), lines);
  }

  // === impl mutations ===

  async mesh(ref: WorkloadRef): Promise<RolloutProgress> {
    return this.#setMeshed(ref, true);
  }

  async unmesh(ref: WorkloadRef): Promise<RolloutProgress> {
    return this.#setMeshed(ref, false);
  }

  async scale(ref: WorkloadRef, replicas: number): Promise<Workload> {
    const w = this.#entry(ref);
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new MeshError(
        ErrorCode.invalidInput,
        `replicas: must be a whole number, 0 or more (got ${replicas})`,
      );
    }
    w.state.replicas = replicas;
    this.#saveNow();
    this.#emit({ kind: 'workload', namespace: ref.namespace, name: ref.name });
    this.#reconcile(w);
    return this.#toWorkload(w);
  }

  #setMeshed(ref: WorkloadRef, meshed: boolean): RolloutProgress {
    const w = this.#entry(ref);
    const action = meshed ? 'mesh' : 'unmesh';
    const hash = templateHash(w.spec, meshed);
    const pods = this.#workloadPods(w);
    const done =
      w.state.meshed === meshed &&
      !w.rolling &&
      pods.length === w.state.replicas &&
      pods.every((p) => p.record.templateHash === hash && p.record.ready);
    w.state.meshed = meshed;
    this.#saveNow();
    if (done) {
      w.progress = { ...this.#progress(w, action, 'complete', `already ${meshed ? 'meshed' : 'unmeshed'}`) };
      return w.progress;
    }
    w.progress = this.#progress(w, action, 'progressing', `${action} started`);
    this.#emit({ kind: 'workload', namespace: ref.namespace, name: ref.name });
    this.#emit({ kind: 'rollout', progress: w.progress });
    this.#reconcile(w);
    return w.progress;
  }

  #progress(
    w: WorkloadEntry,
    action: 'mesh' | 'unmesh',
    state: RolloutProgress['state'],
    message: string,
  ): RolloutProgress {
    const hash = templateHash(w.spec, w.state.meshed);
    const current = this.#workloadPods(w).filter((p) => p.record.templateHash === hash);
    return {
      workload: { namespace: w.spec.namespace, name: w.spec.name },
      action,
      total: w.state.replicas,
      updated: Math.min(current.length, w.state.replicas),
      ready: Math.min(current.filter((p) => p.record.ready).length, w.state.replicas),
      state,
      message,
    };
  }

  #entry(ref: WorkloadRef): WorkloadEntry {
    const w = this.#workloads.get(key(ref.namespace, ref.name));
    if (!w) throw new MeshError(ErrorCode.notFound, `workload ${ref.namespace}/${ref.name} not found`);
    return w;
  }

  // === impl lifecycle ===

  async start(): Promise<void> {
    this.#manifests = readManifestDir(this.#o.manifestsDir);
    const saved = this.#o.store.load(LOCAL_STATE_KEY, LocalState) ?? emptyState();
    const now = new Date().toISOString();

    const services = [...this.#manifests.services].sort((a, b) =>
      key(a.namespace, a.name).localeCompare(key(b.namespace, b.name)),
    );
    for (const spec of services) {
      const ip = saved.services[key(spec.namespace, spec.name)];
      if (ip && this.#serviceIps.reserve(ip))
        this.#services.set(key(spec.namespace, spec.name), { spec, clusterIP: ip });
    }
    for (const spec of services) {
      const k = key(spec.namespace, spec.name);
      if (!this.#services.has(k)) this.#services.set(k, { spec, clusterIP: this.#serviceIps.allocate() });
    }

    for (const spec of this.#manifests.deployments) {
      const k = key(spec.namespace, spec.name);
      const state: WorkloadState = saved.workloads[k] ?? {
        meshed: spec.podAnnotations[INJECT_ANNOTATION] === 'enabled',
        replicas: spec.replicas,
        createdAt: spec.creationTimestamp ?? now,
      };
      const w: WorkloadEntry = { spec, state, rolling: false, again: false, progress: undefined as never };
      w.progress = {
        workload: { namespace: spec.namespace, name: spec.name },
        action: state.meshed ? 'mesh' : 'unmesh',
        total: state.replicas,
        updated: 0,
        ready: 0,
        state: 'progressing',
        message: 'starting',
      };
      this.#workloads.set(k, w);
    }

    await this.#balancer.start(saved.balancer);

    const orphans: PodRecord[] = [];
    for (const record of saved.pods) {
      const w = this.#workloads.get(key(record.namespace, record.workload));
      if (!w || !this.#podIps.reserve(record.ip)) {
        orphans.push(record);
        continue;
      }
      const pod = this.#makePod(w, record);
      this.#pods.set(key(record.namespace, record.name), pod);
    }
    for (const record of orphans) {
      const pod = new LocalPod(record, noLaunch(record), this.#logDir(record), () => {});
      void pod.stop(this.#o.stopGraceMs);
    }
    await Promise.all([...this.#pods.values()].map((p) => p.adopt()));
    this.#saveNow();
    this.#publishTable();
    for (const w of this.#workloads.values()) this.#reconcile(w);
    this.#started = true;
    this.#healthTimer = setInterval(() => {
      this.#balancer
        .ensureRunning()
        .then((restarted) => restarted && !this.#stopped && this.#saveNow())
        .catch((err: unknown) =>
          console.error(`[local] cannot restart the balancer: ${(err as Error).message}`),
        );
    }, 2000);
    this.#healthTimer.unref();
  }

  async stop(options: { stopWorkloads: boolean }): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#healthTimer);
    clearTimeout(this.#saveTimer);
    clearTimeout(this.#tableTimer);
    if (options.stopWorkloads) {
      // Everything goes down together: no traffic to keep whole, so a short grace. A pod a
      // rollout was starting meanwhile is caught by the next round.
      const grace = Math.min(this.#o.stopGraceMs, SHUTDOWN_GRACE_MS);
      for (let round = 0; round < 5 && this.#pods.size > 0; round++) {
        const pods = [...this.#pods.values()];
        await Promise.all(pods.map((p) => p.stop(grace, true)));
        for (const p of pods) {
          this.#pods.delete(key(p.record.namespace, p.record.name));
          rmSync(this.#logDir(p.record), { recursive: true, force: true });
        }
      }
      await this.#balancer.stop();
    } else {
      for (const p of this.#pods.values()) p.detach();
    }
    this.#save();
  }

  // === impl pods ===

  #logDir(record: { namespace: string; name: string }) {
    return join(this.#o.store.dir, 'pods', record.namespace, record.name);
  }

  #serviceAddresses(): ServiceAddress[] {
    return [...this.#services.values()].map((s) => ({
      namespace: s.spec.namespace,
      name: s.spec.name,
      clusterIP: s.clusterIP,
      ports: s.spec.ports,
    }));
  }

  #makePod(w: WorkloadEntry, record: PodRecord): LocalPod {
    const launch = podLaunch(w.spec, record, {
      workdir: this.#o.workdir,
      proxyMain: this.#o.proxyMain,
      repoRoot: this.#o.repoRoot,
      hostEnv: this.#o.hostEnv,
      stopGraceMs: this.#o.stopGraceMs,
      controllerUrl: () => this.#controllerUrl,
      services: () => this.#serviceAddresses(),
      proxyEnvFor: this.#o.proxyEnvFor,
    });
    return new LocalPod(record, launch, this.#logDir(record), (p) => this.#podChanged(p));
  }

  async #createPod(w: WorkloadEntry): Promise<string> {
    if (this.#stopped) throw new Error('the platform is stopping');
    const { spec } = w;
    const hash = templateHash(spec, w.state.meshed);
    const name = newPodName(spec.name, hash);
    const now = new Date().toISOString();
    const record: PodRecord = {
      namespace: spec.namespace,
      name,
      workload: spec.name,
      ip: this.#podIps.allocate(),
      templateHash: hash,
      meshed: w.state.meshed,
      createdAt: now,
      ports: podPorts(spec.container, w.state.meshed),
      app: null,
      proxy: null,
      restarts: 0,
      lastExit: null,
      startedAt: now,
      ready: false,
    };
    const pod = this.#makePod(w, record);
    this.#pods.set(key(spec.namespace, name), pod);
    await pod.start();
    this.#saveNow();
    this.#podChanged(pod);
    return name;
  }

  async #deletePod(name: string, namespace: string): Promise<void> {
    const pod = this.#pods.get(key(namespace, name));
    if (!pod) return;
    pod.detach();
    pod.record.ready = false;
    this.#podChanged(pod);
    this.#publishTable();
    await new Promise((r) => setTimeout(r, this.#o.drainDelayMs));
    await pod.stop(this.#o.stopGraceMs);
    this.#pods.delete(key(namespace, name));
    this.#podIps.release(pod.record.ip);
    rmSync(this.#logDir(pod.record), { recursive: true, force: true });
    this.#saveNow();
    this.#podChanged(pod);
  }

  async #waitReady(name: string, namespace: string, cancelled: () => boolean): Promise<ReadyResult> {
    const deadline = Date.now() + this.#o.readyTimeoutMs;
    while (!this.#stopped) {
      if (cancelled()) return { ready: false, reason: 'superseded by a newer change' };
      const pod = this.#pods.get(key(namespace, name));
      if (!pod || pod.terminating) return { ready: false, reason: `pod ${name} went away` };
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
        return {
          ready: false,
          reason: `pod ${name} did not become ready within ${this.#o.readyTimeoutMs / 1000} s${why}`,
        };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return { ready: false, reason: 'the platform is stopping' };
  }

  #workloadPods(w: WorkloadEntry): LocalPod[] {
    return [...this.#pods.values()].filter(
      (p) => !p.terminating && p.record.namespace === w.spec.namespace && p.record.workload === w.spec.name,
    );
  }

  #selectedPods(s: ServiceSpec): LocalPod[] {
    if (Object.keys(s.selector).length === 0) return [];
    return [...this.#pods.values()].filter((p) => {
      if (p.record.namespace !== s.namespace) return false;
      const w = this.#workloads.get(key(p.record.namespace, p.record.workload));
      return !!w && Object.entries(s.selector).every(([k, v]) => w.spec.podLabels[k] === v);
    });
  }

  #targetPort(pod: LocalPod, ref: number | string): number | undefined {
    const w = this.#workloads.get(key(pod.record.namespace, pod.record.workload));
    return w ? resolvePort(w.spec.container, ref) : typeof ref === 'number' ? ref : undefined;
  }

  // === impl rollout ===

  #reconcile(w: WorkloadEntry): void {
    if (this.#stopped) return;
    if (w.rolling) {
      w.again = true;
      return;
    }
    w.rolling = true;
    w.again = false;
    const action = w.state.meshed ? 'mesh' : 'unmesh';
    const report = (step: RolloutStep) => {
      w.progress = { workload: { namespace: w.spec.namespace, name: w.spec.name }, action, ...step };
      this.#emit({ kind: 'rollout', progress: w.progress });
      this.#emit({ kind: 'workload', namespace: w.spec.namespace, name: w.spec.name });
    };
    const { namespace } = w.spec;
    // A newer mesh/unmesh of this workload stops this rollout between steps (or while it waits).
    const cancelled = () => this.#stopped || (w.again && action !== (w.state.meshed ? 'mesh' : 'unmesh'));
    rollOut(
      {
        desired: () => ({ templateHash: templateHash(w.spec, w.state.meshed), replicas: w.state.replicas }),
        pods: () =>
          this.#workloadPods(w).map((p) => ({
            name: p.record.name,
            templateHash: p.record.templateHash,
            ready: p.record.ready,
            createdAt: p.record.createdAt,
          })),
        createPod: () => this.#createPod(w),
        deletePod: (name) => this.#deletePod(name, namespace),
        waitReady: (name) => this.#waitReady(name, namespace, cancelled),
      },
      report,
      cancelled,
    )
      .catch((err: unknown) =>
        report({ ...w.progress, state: 'failed', message: `rollout error: ${(err as Error).message}` }),
      )
      .finally(() => {
        w.rolling = false;
        if (w.again && !this.#stopped) this.#reconcile(w);
      });
  }

  // === impl change propagation ===

  #emit(e: PlatformEvent) {
    this.#events.emit('event', e);
  }

  #podChanged(pod: LocalPod) {
    if (this.#stopped) return;
    const { namespace, name, workload } = pod.record;
    this.#emit({ kind: 'pod', namespace, name, workload });
    this.#emit({ kind: 'workload', namespace, name: workload });
    for (const s of this.#services.values()) {
      if (s.spec.namespace === namespace && this.#selectedPods(s.spec).includes(pod)) {
        this.#emit({ kind: 'endpoints', namespace, name: s.spec.name });
      }
    }
    this.#scheduleSave();
    clearTimeout(this.#tableTimer);
    this.#tableTimer = setTimeout(() => this.#publishTable(), 20);
  }

  #publishTable() {
    if (this.#stopped) return;
    const listeners: Listener[] = [];
    for (const s of this.#services.values()) {
      for (const slice of this.listEndpoints({ namespace: s.spec.namespace, name: s.spec.name })) {
        listeners.push({
          service: `${s.spec.namespace}/${s.spec.name}:${slice.port}`,
          address: s.clusterIP,
          port: slice.port,
          backends: slice.endpoints.map((e) => ({ host: e.address, port: e.port })),
        });
      }
    }
    try {
      this.#balancer.publish(listeners);
    } catch (err) {
      console.error(`[local] cannot publish the balancer table: ${(err as Error).message}`);
    }
  }

  #scheduleSave() {
    if (this.#saveTimer) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      this.#save();
    }, 50);
  }

  #saveNow() {
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    this.#save();
  }

  #save() {
    const state: LocalState = {
      version: 1,
      workloads: Object.fromEntries([...this.#workloads].map(([k, w]) => [k, w.state])),
      services: Object.fromEntries([...this.#services].map(([k, s]) => [k, s.clusterIP])),
      pods: [...this.#pods.values()].map((p) => p.record),
      balancer: this.#balancer.ref,
    };
    try {
      this.#o.store.save(LOCAL_STATE_KEY, state);
    } catch (err) {
      console.error(`[local] cannot save state: ${(err as Error).message}`);
    }
  }

  // === impl conversions ===

  #toWorkload(w: WorkloadEntry): Workload {
    return workloadView({
      ...w,
      pods: this.#workloadPods(w).map((p) => p.record),
      hash: templateHash(w.spec, w.state.meshed),
    });
  }

  #toPod(p: LocalPod): Pod {
    return podView(p.record);
  }

  #toService(s: ServiceEntry): Service {
    const pods = this.#selectedPods(s.spec);
    const selected = [...this.#workloads.values()].find(
      (w) =>
        w.spec.namespace === s.spec.namespace &&
        Object.keys(s.spec.selector).length > 0 &&
        Object.entries(s.spec.selector).every(([k, v]) => w.spec.podLabels[k] === v),
    );
    return serviceView(s.spec, s.clusterIP, (ref) => {
      if (typeof ref === 'number') return ref;
      for (const pod of pods) {
        const port = this.#targetPort(pod, ref);
        if (port !== undefined) return port;
      }
      return selected ? resolvePort(selected.spec.container, ref) : undefined;
    });
  }
}
