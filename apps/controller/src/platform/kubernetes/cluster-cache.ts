/**
 * The Kubernetes platform's view of the cluster: one informer (list, then watch from
 * its resourceVersion, relisting after 410 Gone) per kind it reads: namespaces,
 * deployments, replicasets, pods, services and endpointslices. A failed watch is
 * restarted with a bounded back-off and reported as a problem until it recovers.
 */
import {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
  makeInformer,
  type ObjectCache,
  type V1Deployment,
  type V1EndpointSlice,
  type V1Namespace,
  type V1Pod,
  type V1ReplicaSet,
  type V1Service,
} from '@kubernetes/client-node';

export type CachedKind = 'namespace' | 'deployment' | 'replicaset' | 'pod' | 'service' | 'endpointslice';

/** What changed in the cache: the kind and the object (its last state, for a deletion). */
export type CacheChange = { kind: CachedKind; object: KubernetesObject; deleted: boolean };

/** Restart delay after the n-th failure in a row: 0.5 s doubling up to 30 s. */
const restartDelayMs = (failures: number) => Math.min(30_000, 500 * 2 ** Math.max(0, failures - 1));

/** How long start() waits for every informer's first list. */
const SYNC_TIMEOUT_MS = 30_000;

type Watched<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

class Watch<T extends KubernetesObject> {
  readonly informer: Watched<T>;
  readonly #kind: CachedKind;
  #failures = 0;
  #problem: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    kc: KubeConfig,
    kind: CachedKind,
    path: string,
    list: ListPromise<T>,
    onChange: (c: CacheChange) => void,
  ) {
    this.#kind = kind;
    this.informer = makeInformer(kc, path, list);
    this.informer.on('add', (object) => onChange({ kind, object, deleted: false }));
    this.informer.on('update', (object) => onChange({ kind, object, deleted: false }));
    this.informer.on('delete', (object) => onChange({ kind, object, deleted: true }));
    this.informer.on('connect', () => {
      this.#failures = 0;
      this.#problem = undefined;
    });
    this.informer.on('error', (err: unknown) => {
      if (this.#stopped) return;
      this.#failures += 1;
      this.#problem = `the ${kind} watch is failing (${(err as Error)?.message ?? String(err)}); retrying`;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        this.informer.start().catch(() => {});
      }, restartDelayMs(this.#failures));
      this.#timer.unref();
    });
  }

  get problem(): string | undefined {
    return this.#problem;
  }

  async start(): Promise<void> {
    await this.informer.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.informer.stop();
  }

  /** Whether the first list has arrived (the informer's store has a resourceVersion). */
  get synced(): boolean {
    return (this.informer as unknown as { latestResourceVersion(): string }).latestResourceVersion() !== '';
  }

  get kind(): CachedKind {
    return this.#kind;
  }
}

export class ClusterCache {
  readonly namespaces: Watch<V1Namespace>;
  readonly deployments: Watch<V1Deployment>;
  readonly replicaSets: Watch<V1ReplicaSet>;
  readonly pods: Watch<V1Pod>;
  readonly services: Watch<V1Service>;
  readonly endpointSlices: Watch<V1EndpointSlice>;

  constructor(kc: KubeConfig, onChange: (c: CacheChange) => void) {
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    this.namespaces = new Watch(kc, 'namespace', '/api/v1/namespaces', () => core.listNamespace(), onChange);
    this.deployments = new Watch(
      kc,
      'deployment',
      '/apis/apps/v1/deployments',
      () => apps.listDeploymentForAllNamespaces(),
      onChange,
    );
    this.replicaSets = new Watch(
      kc,
      'replicaset',
      '/apis/apps/v1/replicasets',
      () => apps.listReplicaSetForAllNamespaces(),
      onChange,
    );
    this.pods = new Watch(kc, 'pod', '/api/v1/pods', () => core.listPodForAllNamespaces(), onChange);
    this.services = new Watch(
      kc,
      'service',
      '/api/v1/services',
      () => core.listServiceForAllNamespaces(),
      onChange,
    );
    this.endpointSlices = new Watch(
      kc,
      'endpointslice',
      '/apis/discovery.k8s.io/v1/endpointslices',
      () => discovery.listEndpointSliceForAllNamespaces(),
      onChange,
    );
  }

  #all() {
    return [
      this.namespaces,
      this.deployments,
      this.replicaSets,
      this.pods,
      this.services,
      this.endpointSlices,
    ];
  }

  /** Starts every informer and waits (bounded) for their first lists. */
  async start(): Promise<void> {
    const watches = this.#all();
    await Promise.all(watches.map((w) => w.start().catch(() => {})));
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    while (watches.some((w) => !w.synced)) {
      if (Date.now() > deadline) {
        const missing = watches.filter((w) => !w.synced).map((w) => w.kind);
        const why = watches.map((w) => w.problem).find((p) => p !== undefined);
        throw new Error(`cannot list ${missing.join(', ')} from the cluster${why ? `: ${why}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.#all().map((w) => w.stop()));
  }

  problems(): string[] {
    return this.#all().flatMap((w) => (w.problem ? [w.problem] : []));
  }
}
