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
  type V1Pod,
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
  serviceSelects,
  type Workload,
  type WorkloadRef,
} from '@weft/shared';
import type { Platform, PlatformEvent, ServiceEndpoints, Unsubscribe } from '../../core/platform.ts';
import { fromApiError } from './api-errors.ts';
import { type CacheChange, ClusterCache } from './cluster-cache.ts';
import { LeaderElector } from './leader-election.ts';
import { PolicyResourceSync, type PolicySink } from './policy-resources.ts';
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

  constructor(kc: KubeConfig, webhook?: WebhookSettings, lease?: LeaseSettings) {
    this.#kc = kc;
    this.#webhookSettings = webhook;
    this.#elector =
      lease &&
      new LeaderElector(kc, {
        namespace: lease.namespace,
        name: 'weft-controller',
        identity: lease.identity,
        leaseDurationSeconds: lease.durationSeconds,
        retryPeriodMs: lease.retryMs,
        onStartedLeading: () => console.log(`[kubernetes] ${lease.identity} leads (runs the writers)`),
        onStoppedLeading: () => console.log(`[kubernetes] ${lease.identity} no longer leads`),
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
      .map((d) => workloadView(d, this.#podsOf(d)))
      .sort(byKey);
  }

  getWorkload(ref: WorkloadRef): Workload | undefined {
    const d = this.#cache.deployments.informer.get(ref.name, ref.namespace);
    return d && workloadView(d, this.#podsOf(d));
  }

  listPods(namespace?: string, workload?: string): Pod[] {
    return this.#cache.pods.informer
      .list(namespace)
      .flatMap((p) => {
        const owner = this.#workloadOf(p);
        if (!owner || p.metadata?.deletionTimestamp || (workload && owner !== workload)) return [];
        return [podView(p, owner)];
      })
      .sort(byKey);
  }

  listServices(namespace?: string): Service[] {
    return this.#cache.services.informer
      .list(namespace)
      .map((s) => serviceView(s, this.#selectedPods(s.metadata?.namespace ?? '', s.spec?.selector ?? {})))
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
      const workload = pod && this.#workloadOf(pod);
      return pod && workload ? { pod, workload } : undefined;
    });
  }

  podEndpoint(address: string, port: number): Endpoint | undefined {
    for (const pod of this.#cache.pods.informer.list()) {
      if (pod.status?.podIP !== address || !isReadyPod(pod)) continue;
      const workload = this.#workloadOf(pod);
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

  /** Whether this replica holds the Lease (true without leader election). */
  get leading(): boolean {
    return this.#elector ? this.#elector.leading : true;
  }

  rolloutStatus(ref: WorkloadRef): RolloutProgress {
    const d = this.#deployment(ref);
    return rolloutView(d, this.#podsOf(d));
  }

  async podLogs(
    namespace: string,
    pod: string,
    lines: number,
    container: 'app' | 'proxy' = 'app',
  ): Promise<string[]> {
    const p = this.#cache.pods.informer.get(pod, namespace);
    if (!p || !this.#workloadOf(p))
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
    if (current.spec?.replicas === replicas) return workloadView(current, this.#podsOf(current));
    const patched = await this.#patchDeployment(ref, { spec: { replicas } });
    return workloadView(patched, this.#podsOf(patched));
  }

  async #setInject(ref: WorkloadRef, value: 'enabled' | null): Promise<RolloutProgress> {
    const current = this.#deployment(ref);
    const patched =
      (current.spec?.template?.metadata?.annotations?.[INJECT_ANNOTATION] ?? null) === value
        ? current
        : await this.#patchDeployment(ref, {
            spec: { template: { metadata: { annotations: { [INJECT_ANNOTATION]: value } } } },
          });
    const progress = rolloutView(patched, this.#podsOf(patched));
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
      });
      console.log(`[kubernetes] injection webhook on https://${this.#webhook.address}/inject`);
    }
    this.#elector?.start();
    await this.#policies?.start();
    this.#started = true;
  }

  async stop(_options: { stopWorkloads: boolean }): Promise<void> {
    // The cluster runs the workloads: stopping the controller stops only its watches.
    this.#started = false;
    await this.#policies?.stop();
    await this.#elector?.stop();
    await this.#webhook?.close();
    await this.#cache.stop();
  }

  // === the cache ===

  #deployment(ref: WorkloadRef): V1Deployment {
    const d = this.#cache.deployments.informer.get(ref.name, ref.namespace);
    if (!d) throw new MeshError(ErrorCode.notFound, `workload ${ref.namespace}/${ref.name} not found`);
    return d;
  }

  /** The Deployment a pod belongs to, through its ReplicaSet (or the ReplicaSet name's template hash). */
  #workloadOf(pod: V1Pod): string | undefined {
    const owner = pod.metadata?.ownerReferences?.find(
      (r) => r.kind === 'ReplicaSet' && r.controller !== false,
    );
    if (!owner) return undefined;
    const rs = this.#cache.replicaSets.informer.get(owner.name, pod.metadata?.namespace);
    const deployment = rs?.metadata?.ownerReferences?.find((r) => r.kind === 'Deployment')?.name;
    if (deployment) return deployment;
    const hash = pod.metadata?.labels?.['pod-template-hash'];
    return hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : undefined;
  }

  #podsOf(d: V1Deployment): V1Pod[] {
    const name = d.metadata?.name;
    return this.#cache.pods.informer
      .list(d.metadata?.namespace)
      .filter((p) => !p.metadata?.deletionTimestamp && this.#workloadOf(p) === name);
  }

  #selectedPods(namespace: string, selector: Record<string, string>): V1Pod[] {
    return this.#cache.pods.informer
      .list(namespace)
      .filter((p) => serviceSelects(selector, p.metadata?.labels ?? {}));
  }

  #emit(e: PlatformEvent) {
    this.#events.emit('event', e);
  }

  #changed({ kind, object }: CacheChange) {
    const namespace = object.metadata?.namespace ?? '';
    const name = object.metadata?.name ?? '';
    switch (kind) {
      case 'namespace':
        this.#emit({ kind: 'namespace', namespace: name, name });
        break;
      case 'deployment': {
        this.#emit({ kind: 'workload', namespace, name });
        const d = object as V1Deployment;
        if (this.#cache.deployments.informer.get(name, namespace))
          this.#emit({ kind: 'rollout', progress: rolloutView(d, this.#podsOf(d)) });
        break;
      }
      case 'replicaset': {
        const owner = object.metadata?.ownerReferences?.find((r) => r.kind === 'Deployment')?.name;
        if (owner) this.#emit({ kind: 'workload', namespace, name: owner });
        break;
      }
      case 'pod': {
        const workload = this.#workloadOf(object as V1Pod);
        if (!workload) break;
        this.#emit({ kind: 'pod', namespace, name, workload });
        this.#emit({ kind: 'workload', namespace, name: workload });
        break;
      }
      case 'service':
        this.#emit({ kind: 'service', namespace, name });
        this.#emit({ kind: 'endpoints', namespace, name });
        break;
      case 'endpointslice': {
        const service = object.metadata?.labels?.['kubernetes.io/service-name'];
        if (service) this.#emit({ kind: 'endpoints', namespace, name: service });
        break;
      }
    }
  }
}
