/**
 * The port every platform implements: where workloads run. Shaped on Kubernetes'
 * own objects (Namespaces, Deployments, Pods, Services, Endpoints) so that the local
 * platform and a real cluster answer the same questions. The core and the API depend
 * only on this module, never on a platform's code.
 */
import type {
  Endpoint,
  Pod,
  RolloutProgress,
  Service,
  StoppedPod,
  Workload,
  WorkloadRef,
} from '@weft/shared';

/** Endpoints behind one service port: the ready addresses, as a Kubernetes EndpointSlice. */
export interface ServiceEndpoints {
  service: WorkloadRef;
  /** The service's port (what clients dial on the virtual address). */
  port: number;
  /** Ready endpoints, on the pods' target ports. */
  endpoints: Endpoint[];
}

/** What changed; watchers re-read what they need (level-triggered, like informers' resync). */
export type PlatformEvent =
  | { kind: 'namespace' | 'workload' | 'service'; namespace: string; name: string }
  | { kind: 'pod'; namespace: string; name: string; workload: string }
  | { kind: 'endpoints'; namespace: string; name: string }
  | { kind: 'rollout'; progress: RolloutProgress };

/** Stops a watch. */
export type Unsubscribe = () => void;

/**
 * A place workloads run. Reads are synchronous snapshots of the platform's cache (as an
 * informer's store); changes arrive through `watch`. Mutations validate their target
 * and throw `MeshError` (`WEFT_NOT_FOUND`, `WEFT_CONFLICT`, ...) without changing
 * anything when they cannot proceed.
 */
export interface Platform {
  /** `local` or `kubernetes`. */
  readonly kind: string;
  /**
   * Whether this controller replica runs the writers (canaries): false on a Kubernetes
   * replica that does not hold the leader Lease; undefined where there is one replica.
   */
  readonly leading?: boolean;

  /** Namespace names that hold at least one workload or service, sorted. */
  listNamespaces(): string[];
  listWorkloads(namespace?: string): Workload[];
  getWorkload(ref: WorkloadRef): Workload | undefined;
  listPods(namespace?: string, workload?: string): Pod[];
  listServices(namespace?: string): Service[];
  /** Ready endpoints of every port of a service (empty list when it has no ready pod). */
  listEndpoints(service: WorkloadRef): ServiceEndpoints[];
  /**
   * A ready pod's own address as an endpoint, announced as the service endpoints are:
   * meshed (with its identity) only while its proxy serves mTLS there. Undefined when no
   * ready pod has that address.
   */
  podEndpoint(address: string, port: number): Endpoint | undefined;

  /** Subscribes to every change; the listener must not throw. */
  watch(listener: (event: PlatformEvent) => void): Unsubscribe;

  /** Sets `weft.dev/inject: enabled` on the pod template and starts rolling the pods. */
  mesh(ref: WorkloadRef): Promise<RolloutProgress>;
  /** Removes the annotation and rolls the pods back to running without a proxy. */
  unmesh(ref: WorkloadRef): Promise<RolloutProgress>;
  /** The latest progress of the workload's current or last rollout. */
  rolloutStatus(ref: WorkloadRef): RolloutProgress;
  /** Sets the desired replica count; pods are started or stopped to match. */
  scale(ref: WorkloadRef, replicas: number): Promise<Workload>;
  /**
   * The last `lines` lines of a pod's output, oldest first: the app container's, or the
   * proxy's with `container: 'proxy'`. Throws `WEFT_NOT_FOUND` for an unknown pod (a
   * platform may still answer for a recently stopped one).
   */
  podLogs(namespace: string, pod: string, lines: number, container?: 'app' | 'proxy'): Promise<string[]>;
  /**
   * The workload's stopped pods whose output is still kept (`podLogs` answers for them),
   * newest first; a platform that keeps none leaves it out.
   */
  listStoppedPods?(namespace: string, workload: string): Promise<StoppedPod[]>;

  /** Problems of the platform's own machinery (e.g. its service balancer is down); empty when well. */
  problems(): string[];

  /** Starts the platform's own machinery (informers, supervisors). */
  start(): Promise<void>;
  /**
   * Stops the platform. `stopWorkloads` (a graceful shutdown) also stops every pod it
   * runs; without it (the controller restarting), pods keep running.
   */
  stop(options: { stopWorkloads: boolean }): Promise<void>;
}
