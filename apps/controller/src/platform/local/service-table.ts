/**
 * Services on the local platform (the kube-proxy role): each service port's ready
 * endpoints, the service as the API shows it, and the routing table handed to the
 * balancer process, which this module keeps running (with a panic threshold: when most
 * pods look unhealthy, the balancer uses them all).
 */
import { type Endpoint, meshIdentity, type Service, type WorkloadRef } from '@weft/shared';
import type { ServiceEndpoints } from '../../core/platform.ts';
import type { StateStore } from '../../state/store.ts';
import { BalancerManager } from './balancer/manager.ts';
import { panicBackends } from './balancer/panic.ts';
import type { Listener } from './balancer/table.ts';
import type { Inventory, ServiceEntry } from './inventory.ts';
import { resolvePort } from './manifests.ts';
import type { LocalPod } from './pod.ts';
import type { PodSet } from './pod-set.ts';
import type { ProcRef } from './processes.ts';
import { serviceView } from './views.ts';

/** Freezes a view shared between callers, so that none can change what the others see. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Pod changes within this window are published to the balancer as one table. */
const PUBLISH_DEBOUNCE_MS = 20;
/** How often the balancer process is checked (and restarted when it died). */
const HEALTH_CHECK_MS = 2000;

export class ServiceTable {
  readonly #inventory: Inventory;
  readonly #pods: PodSet;
  readonly #balancer: BalancerManager;
  #publishTimer: NodeJS.Timeout | undefined;
  /** Each service's view, with the pod-set membership it was built at. */
  readonly #views = new WeakMap<ServiceEntry, { membership: number; view: Service }>();
  #healthTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    inventory: Inventory,
    pods: PodSet,
    store: StateStore,
    repoRoot: string,
    hostEnv: Record<string, string>,
  ) {
    this.#inventory = inventory;
    this.#pods = pods;
    this.#balancer = new BalancerManager(store, repoRoot, hostEnv);
  }

  /** The running balancer process, for the durable state. */
  get balancerRef(): ProcRef | null {
    return this.#balancer.ref;
  }

  /** Ready endpoints of every port of the service. */
  endpoints(ref: WorkloadRef): ServiceEndpoints[] {
    const s = this.#inventory.service(ref);
    if (!s) return [];
    return this.#slices(
      s,
      this.#selectedPods(s).filter((p) => p.record.ready && !p.terminating),
    );
  }

  /**
   * The balancer's endpoints of every port: the ready ones, or, past the panic threshold
   * (most running pods not ready), every running pod that was ready since it started.
   */
  #balancerEndpoints(s: ServiceEntry): ServiceEndpoints[] {
    const live = this.#selectedPods(s)
      .filter((p) => !p.terminating)
      .map((pod) => ({
        pod,
        ready: pod.record.ready,
        running: pod.record.app !== null && (!pod.record.meshed || pod.record.proxy !== null),
        readySinceStart: pod.readySinceStart,
      }));
    return this.#slices(
      s,
      panicBackends(live).map((c) => c.pod),
    );
  }

  /** A ready pod's own address on `port`, announced as its service endpoints are. */
  podEndpoint(address: string, port: number): Endpoint | undefined {
    const pod = this.#pods.all().find((p) => p.record.ip === address && p.record.ready && !p.terminating);
    return pod && this.#endpoint(pod, port);
  }

  #endpoint(pod: LocalPod, port: number): Endpoint {
    const { namespace, workload } = pod.record;
    const w = this.#inventory.find(namespace, workload);
    return {
      address: pod.record.ip,
      port,
      pod: pod.record.name,
      workload,
      namespace,
      // meshed only once its proxy serves mTLS there (it serves plaintext before)
      meshed: pod.servesTls,
      ...(pod.servesTls && w ? { identity: meshIdentity(w.spec.serviceAccount, namespace) } : {}),
    };
  }

  #slices(s: ServiceEntry, pods: LocalPod[]): ServiceEndpoints[] {
    return s.spec.ports.map((port) => {
      const endpoints: Endpoint[] = [];
      for (const pod of pods) {
        const { namespace, workload } = pod.record;
        const target = this.#inventory.targetPort(namespace, workload, port.targetPort);
        if (target !== undefined) endpoints.push(this.#endpoint(pod, target));
      }
      endpoints.sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }));
      return { service: { namespace: s.spec.namespace, name: s.spec.name }, port: port.port, endpoints };
    });
  }

  /**
   * The service as the API shows it, named target ports resolved. It depends only on which
   * pods exist, so it is kept until a pod joins or leaves: every proxy's watch asks again
   * after each pod change, and would otherwise rebuild every service each time.
   */
  view(s: ServiceEntry): Service {
    const cached = this.#views.get(s);
    if (cached?.membership === this.#pods.membership) return cached.view;
    const view = deepFreeze(this.#buildView(s));
    this.#views.set(s, { membership: this.#pods.membership, view });
    return view;
  }

  #buildView(s: ServiceEntry): Service {
    const pods = this.#selectedPods(s);
    const selected = this.#inventory.selectedWorkload(s.spec);
    return serviceView(s.spec, s.clusterIP, (ref) => {
      if (typeof ref === 'number') return ref;
      for (const pod of pods) {
        const port = this.#inventory.targetPort(pod.record.namespace, pod.record.workload, ref);
        if (port !== undefined) return port;
      }
      return selected ? resolvePort(selected.spec.container, ref) : undefined;
    });
  }

  /** Starts (or adopts) the balancer and checks on it periodically; `restarted` runs when it was restarted. */
  async start(previous: ProcRef | null, restarted: () => void): Promise<void> {
    await this.#balancer.start(previous);
    this.#healthTimer = setInterval(() => {
      this.#balancer
        .ensureRunning()
        .then((again) => again && !this.#stopped && restarted())
        .catch((err: unknown) =>
          console.error(`[local] cannot restart the balancer: ${(err as Error).message}`),
        );
    }, HEALTH_CHECK_MS);
    this.#healthTimer.unref();
  }

  /** Problems of the balancer; empty when it runs. */
  problems(): string[] {
    return this.#balancer.running() ? [] : ['the service balancer is not running (restarting it)'];
  }

  /** Publishes the table soon, once for a burst of changes. */
  schedulePublish(): void {
    clearTimeout(this.#publishTimer);
    this.#publishTimer = setTimeout(() => void this.publish(), PUBLISH_DEBOUNCE_MS);
  }

  /** Hands the balancer every service address with its ready backends; resolves once it is told. */
  publish(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    const listeners: Listener[] = [];
    for (const s of this.#inventory.services.values()) {
      for (const slice of this.#balancerEndpoints(s)) {
        listeners.push({
          service: `${s.spec.namespace}/${s.spec.name}:${slice.port}`,
          address: s.clusterIP,
          port: slice.port,
          backends: slice.endpoints.map((e) => ({ host: e.address, port: e.port })),
        });
      }
    }
    return this.#balancer.publish(listeners);
  }

  /** Stops publishing and checking on the balancer (the process keeps running). */
  halt(): void {
    this.#stopped = true;
    clearInterval(this.#healthTimer);
    clearTimeout(this.#publishTimer);
  }

  /** Stops the balancer process (a graceful shutdown). */
  async stopBalancer(): Promise<void> {
    await this.#balancer.stop();
  }

  #selectedPods(s: ServiceEntry): LocalPod[] {
    return this.#pods
      .all()
      .filter((p) => this.#inventory.selects(s.spec, p.record.namespace, p.record.workload));
  }
}
