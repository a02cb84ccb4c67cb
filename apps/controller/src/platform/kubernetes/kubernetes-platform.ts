/**
 * The Kubernetes platform: reads the cluster through informers (cluster-cache.ts) and
 * changes it through the API server. Meshing sets `weft.dev/inject: enabled` on the
 * Deployment's pod template, so the Deployment controller rolls the pods and the
 * injection webhook adds the proxy; scaling patches `spec.replicas`; logs come from the
 * kubelet through the API. The cluster keeps running its pods when the controller stops.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import type { InjectionConfig } from '@weft/shared';
import {
  type Endpoint,
  ErrorCode,
  INJECT_ANNOTATION,
  MeshError,
  type Pod,
  type RolloutProgress,
  type Service,
  type Workload,
  type WorkloadRef,
} from '@weft/shared';
import type { Platform, PlatformEvent, ServiceEndpoints, Unsubscribe } from '../../core/platform.ts';
import { fromApiError } from './api-errors.ts';
import { eventsOf, podsOf, selectedPods, workloadOf } from './cache-events.ts';
import { type CacheChange, ClusterCache } from './cluster-cache.ts';
import { ClusterState } from './cluster-state.ts';
import { LeaderElector } from './leader-election.ts';
import { PolicyResourceSync, type PolicySink } from './policy-resources.ts';
import { meshedNamespaces, TrustRootsMirror, type TrustRootsSource } from './trust-roots.ts';
import {
  appContainer,
  endpointsView,
  isReadyPod,
  PROXY_CONTAINER,
  podEndpointView,
  podView,
  rolloutView,
  serviceView,
  workloadView,
} from './views.ts';
import { type RunningWebhook, startInjectionWebhook } from './webhook.ts';

const byKey = (a: { namespace: string; name: string }, b: { namespace: string; name: string }) =>
  `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`);

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Leader election among replicas: only the Lease holder runs the writers. */
export interface LeaseSettings {
  namespace: string;
  durationSeconds: number;
  retryMs: number;
  identity: string;
}

/** The injection webhook the platform serves while it runs (TLS files from the webhook Secret). */
export interface WebhookSettings {
  host: string;
  port: number;
  certFile: string;
  keyFile: string;
  proxyImage: string;
  initImage: string;
  /** Where injected proxies reach the controller; read when the webhook starts. */
  controllerUrl: () => string;
}

export class KubernetesPlatform implements Platform {
  readonly kind = 'kubernetes';
  readonly #cache: ClusterCache;
  readonly #core: CoreV1Api;
  readonly #apps: AppsV1Api;
  readonly #events = new EventEmitter();
  #started = false;
  readonly #webhookSettings: WebhookSettings | undefined;
  #webhook: RunningWebhook | undefined;

  readonly #elector: LeaderElector | undefined;
  readonly #kc: KubeConfig;
  #policies: PolicyResourceSync | undefined;
  #trustRoots: TrustRootsMirror | undefined;
  /** State shared by the replicas (policy history, canaries), with leader election only. */
  readonly sharedState: ClusterState | undefined;
  readonly #onLeading = new Set<() => void>();
  readonly #controlNamespace: string | undefined;

  constructor(kc: KubeConfig, webhook?: WebhookSettings, lease?: LeaseSettings) {
    this.#kc = kc;
    this.#webhookSettings = webhook;
    this.#controlNamespace = lease?.namespace;
    this.#elector =
      lease &&
      new LeaderElector(kc, {
        namespace: lease.namespace,
        name: 'weft-controller',
        identity: lease.identity,
        leaseDurationSeconds: lease.durationSeconds,
        retryPeriodMs: lease.retryMs,
        onStartedLeading: () => {
          console.log(`[kubernetes] ${lease.identity} leads (runs the writers)`);
          this.#trustRoots?.schedule();
          for (const fn of this.#onLeading) fn();
        },
        onStoppedLeading: () => console.log(`[kubernetes] ${lease.identity} no longer leads`),
        log: (m) => console.log(`[kubernetes] ${m}`),
      });
    this.sharedState =
      lease &&
      new ClusterState(kc, {
        namespace: lease.namespace,
        leading: () => this.leading,
        log: (m) => console.log(`[kubernetes] ${m}`),
      });
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#apps = kc.makeApiClient(AppsV1Api);
    this.#cache = new ClusterCache(kc, (c) => this.#changed(c));
    this.#events.setMaxListeners(0);
  }

  // === reads ===

  listNamespaces(): string[] {
    const names = new Set<string>();
    for (const d of this.#cache.deployments.informer.list()) names.add(d.metadata?.namespace ?? '');
    for (const s of this.#cache.services.informer.list()) names.add(s.metadata?.namespace ?? '');
    names.delete('');
    return [...names].sort();
  }

  listWorkloads(namespace?: string): Workload[] {
    return this.#cache.deployments.informer
      .list(namespace)
      .map((d) => workloadView(d, podsOf(this.#cache, d)))
      .sort(byKey);
  }

  getWorkload(ref: WorkloadRef): Workload | undefined {
    const d = this.#cache.deployments.informer.get(ref.name, ref.namespace);
    return d && workloadView(d, podsOf(this.#cache, d));
  }

  listPods(namespace?: string, workload?: string): Pod[] {
    return this.#cache.pods.informer
      .list(namespace)
      .flatMap((p) => {
        const owner = workloadOf(this.#cache, p);
        if (!owner || p.metadata?.deletionTimestamp || (workload && owner !== workload)) return [];
        return [podView(p, owner)];
      })
      .sort(byKey);
  }

  listServices(namespace?: string): Service[] {
    return this.#cache.services.informer
      .list(namespace)
      .map((s) =>
        serviceView(s, selectedPods(this.#cache, s.metadata?.namespace ?? '', s.spec?.selector ?? {})),
      )
      .sort(byKey);
  }

  listEndpoints(ref: WorkloadRef): ServiceEndpoints[] {
    const svc = this.#cache.services.informer.get(ref.name, ref.namespace);
    if (!svc) return [];
    const slices = this.#cache.endpointSlices.informer
      .list(ref.namespace)
      .filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === ref.name);
    return endpointsView(svc, slices, (name) => {
      const pod = this.#cache.pods.informer.get(name, ref.namespace);
      const workload = pod && workloadOf(this.#cache, pod);
      return pod && workload ? { pod, workload } : undefined;
    });
  }

  podEndpoint(address: string, port: number): Endpoint | undefined {
    for (const pod of this.#cache.pods.informer.list()) {
      if (pod.status?.podIP !== address || !isReadyPod(pod)) continue;
      const workload = workloadOf(this.#cache, pod);
      return workload ? podEndpointView(pod, workload, address, port) : undefined;
    }
    return undefined;
  }

  watch(listener: (event: PlatformEvent) => void): Unsubscribe {
    const safe = (e: PlatformEvent) => {
      try {
        listener(e);
      } catch (err) {
        console.error(`[kubernetes] a watcher threw: ${(err as Error).message}`);
      }
    };
    this.#events.on('event', safe);
    return () => this.#events.off('event', safe);
  }

  problems(): string[] {
    if (!this.#started) return [];
    const lease = this.#elector?.problem;
    return [...this.#cache.problems(), ...(lease ? [lease] : [])];
  }

  /**
   * Feeds the policy custom resources into `policy` from `start` on, and (as leader)
   * writes their status. Called once, before `start`.
   */
  attachPolicies(policy: PolicySink): void {
    this.#policies = new PolicyResourceSync(this.#kc, policy, () => this.leading);
  }

  /**
   * Keeps a copy of the trust anchors of `source` in every namespace with meshed pods
   * (as leader), and makes the injected anchors volume required where one exists.
   * Called once, before `start`.
   */
  attachTrustRoots(source: TrustRootsSource): void {
    this.#trustRoots = new TrustRootsMirror(this.#kc, {
      source,
      leading: () => this.leading,
      namespaces: () => meshedNamespaces(this.#cache, this.#controlNamespace),
      log: (m) => console.log(`[kubernetes] ${m}`),
    });
  }

  /** Calls `fn` each time this replica takes the Lease; returns the unsubscribe function. */
  onLeading(fn: () => void): () => void {
    this.#onLeading.add(fn);
    return () => this.#onLeading.delete(fn);
  }

  /** `host:port` of the injection webhook while it runs. */
  get webhookAddress(): string | undefined {
    return this.#webhook?.address;
  }

  /** Whether this replica holds the Lease (true without leader election). */
  get leading(): boolean {
    return this.#elector ? this.#elector.leading : true;
  }

  rolloutStatus(ref: WorkloadRef): RolloutProgress {
    const d = this.#deployment(ref);
    return rolloutView(d, podsOf(this.#cache, d));
  }

  async podLogs(
    namespace: string,
    pod: string,
    lines: number,
    container: 'app' | 'proxy' = 'app',
  ): Promise<string[]> {
    const p = this.#cache.pods.informer.get(pod, namespace);
    if (!p || !workloadOf(this.#cache, p))
      throw new MeshError(ErrorCode.notFound, `pod ${namespace}/${pod} not found`);
    const name = container === 'proxy' ? PROXY_CONTAINER : appContainer(p);
    if (
      !name ||
      (container === 'proxy' && !(p.spec?.containers ?? []).some((c) => c.name === PROXY_CONTAINER))
    )
      throw new MeshError(ErrorCode.notFound, `pod ${namespace}/${pod} has no ${container} container`);
    try {
      const text = await this.#core.readNamespacedPodLog({
        name: pod,
        namespace,
        container: name,
        tailLines: lines,
      });
      return text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
    } catch (err) {
      fromApiError(err, `logs of pod ${namespace}/${pod}`);
    }
  }

  // === mutations ===

  async mesh(ref: WorkloadRef): Promise<RolloutProgress> {
    return this.#setInject(ref, 'enabled');
  }

  async unmesh(ref: WorkloadRef): Promise<RolloutProgress> {
    return this.#setInject(ref, null);
  }

  async scale(ref: WorkloadRef, replicas: number): Promise<Workload> {
    const current = this.#deployment(ref);
    if (!Number.isInteger(replicas) || replicas < 0)
      throw new MeshError(
        ErrorCode.invalidInput,
        `replicas: must be a whole number, 0 or more (got ${replicas})`,
      );
    if (current.spec?.replicas === replicas) return workloadView(current, podsOf(this.#cache, current));
    const patched = await this.#patchDeployment(ref, { spec: { replicas } });
    return workloadView(patched, podsOf(this.#cache, patched));
  }

  async #setInject(ref: WorkloadRef, value: 'enabled' | null): Promise<RolloutProgress> {
    const current = this.#deployment(ref);
    const patched =
      (current.spec?.template?.metadata?.annotations?.[INJECT_ANNOTATION] ?? null) === value
        ? current
        : await this.#patchDeployment(ref, {
            spec: { template: { metadata: { annotations: { [INJECT_ANNOTATION]: value } } } },
          });
    const progress = rolloutView(patched, podsOf(this.#cache, patched));
    this.#emit({ kind: 'rollout', progress });
    return progress;
  }

  async #patchDeployment(ref: WorkloadRef, body: object): Promise<V1Deployment> {
    try {
      return await this.#apps.patchNamespacedDeployment(
        { name: ref.name, namespace: ref.namespace, body },
        MERGE_PATCH,
      );
    } catch (err) {
      fromApiError(err, `deployment ${ref.namespace}/${ref.name}`);
    }
  }

  // === lifecycle ===

  async start(): Promise<void> {
    await this.#cache.start();
    // The shared state first: what it holds is served before the writers start.
    await this.sharedState?.start();
    const w = this.#webhookSettings;
    if (w) {
      const config: InjectionConfig = {
        proxyImage: w.proxyImage,
        initImage: w.initImage,
        controllerUrl: w.controllerUrl(),
      };
      this.#webhook = await startInjectionWebhook({
        certPem: readFileSync(w.certFile, 'utf8'),
        keyPem: readFileSync(w.keyFile, 'utf8'),
        host: w.host,
        port: w.port,
        config,
        namespaceAnnotations: (ns) => this.#cache.namespaces.informer.get(ns)?.metadata?.annotations ?? {},
        trustRootsIn: (ns) => this.#trustRoots?.has(ns) ?? false,
      });
      console.log(`[kubernetes] injection webhook on https://${this.#webhook.address}/inject`);
    }
    this.#elector?.start();
    await this.#policies?.start();
    await this.#trustRoots?.start();
    this.#started = true;
  }

  async stop(_options: { stopWorkloads: boolean }): Promise<void> {
    // The cluster runs the workloads: stopping the controller stops only its watches.
    this.#started = false;
    await this.#policies?.stop();
    await this.#trustRoots?.stop();
    await this.#elector?.stop();
    await this.sharedState?.stop();
    await this.#webhook?.close();
    await this.#cache.stop();
  }

  // === the cache ===

  #deployment(ref: WorkloadRef): V1Deployment {
    const d = this.#cache.deployments.informer.get(ref.name, ref.namespace);
    if (!d) throw new MeshError(ErrorCode.notFound, `workload ${ref.namespace}/${ref.name} not found`);
    return d;
  }

  #emit(e: PlatformEvent) {
    this.#events.emit('event', e);
  }

  #changed(change: CacheChange) {
    const { kind } = change;
    if (kind === 'namespace' || kind === 'deployment' || kind === 'pod') this.#trustRoots?.schedule();
    for (const e of eventsOf(this.#cache, change)) this.#emit(e);
  }
}
