/**
 * Workloads and what they run: the platform-neutral shape of Deployments, pods,
 * services and their endpoints, modelled on Kubernetes' own objects so that the local
 * platform and a real cluster answer the same questions.
 */
import { z } from 'zod';
import { lazy } from './lazy.ts';
import { NamespaceName, ObjectName } from './names.ts';

/** The annotation that asks for a workload's pods to run with a proxy, as in Linkerd. */
export const INJECT_ANNOTATION = 'weft.dev/inject';

/** Points at one workload. */
export const WorkloadRef = z.object({
  namespace: NamespaceName,
  name: ObjectName,
});
export type WorkloadRef = z.infer<typeof WorkloadRef>;

/** Where a workload stands in being meshed. */
export const MeshState = lazy(() => z.enum(['unmeshed', 'meshing', 'meshed', 'unmeshing', 'failed']));
export type MeshState = z.infer<typeof MeshState>;

/** A Deployment-like workload and its replica counts. */
export const Workload = lazy(() =>
  z.object({
    namespace: NamespaceName,
    name: ObjectName,
    kind: z.literal('Deployment'),
    labels: z.record(z.string(), z.string()),
    serviceAccount: z.string(),
    replicas: z.number().int().nonnegative(),
    readyReplicas: z.number().int().nonnegative(),
    /** Replicas whose pods run with a proxy. */
    meshedReplicas: z.number().int().nonnegative(),
    /** Whether the pod template asks for the proxy (`weft.dev/inject: enabled`). */
    meshed: z.boolean(),
    meshState: MeshState,
    createdAt: z.string(),
  }),
);
export type Workload = z.infer<typeof Workload>;

/** A pod's lifecycle phase, as Kubernetes names them. */
export const PodPhase = lazy(() => z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']));
export type PodPhase = z.infer<typeof PodPhase>;

/** One replica of a workload. */
export const Pod = lazy(() =>
  z.object({
    namespace: NamespaceName,
    name: z.string().min(1),
    workload: ObjectName,
    /** The pod's own address (127.10.x.y on the local platform). */
    ip: z.string(),
    phase: PodPhase,
    ready: z.boolean(),
    meshed: z.boolean(),
    restarts: z.number().int().nonnegative(),
    /** How the last container run ended, when it has ended at least once. */
    lastExit: z
      .object({ code: z.number().int().nullable(), signal: z.string().nullable(), at: z.string() })
      .nullable(),
    /** The proxy's admin address (`host:port`) when the pod is meshed. */
    proxyAdmin: z.string().nullable(),
    startedAt: z.string(),
  }),
);
export type Pod = z.infer<typeof Pod>;

/**
 * A pod that has stopped and whose output is still kept (the local platform keeps the last
 * few of each workload): `pods.logs` answers for it.
 */
export const StoppedPod = lazy(() =>
  z.object({
    namespace: NamespaceName,
    name: z.string().min(1),
    workload: ObjectName,
    /** When it stopped (when its output was set aside). */
    stoppedAt: z.string(),
  }),
);
export type StoppedPod = z.infer<typeof StoppedPod>;

/** One port a Service exposes and where it sends the traffic. */
export const ServicePort = lazy(() =>
  z.object({
    name: z.string().optional(),
    port: z.number().int().min(1).max(65535),
    targetPort: z.number().int().min(1).max(65535),
    protocol: z.enum(['TCP', 'UDP']).default('TCP'),
  }),
);
export type ServicePort = z.infer<typeof ServicePort>;

/** A Service: a stable address in front of the ready pods its selector picks. */
export const Service = lazy(() =>
  z.object({
    namespace: NamespaceName,
    name: ObjectName,
    /** The service's virtual address (127.20.x.y on the local platform). */
    clusterIP: z.string(),
    ports: z.array(ServicePort),
    selector: z.record(z.string(), z.string()),
  }),
);
export type Service = z.infer<typeof Service>;

/** One ready address behind a service port. */
export const Endpoint = z.object({
  address: z.string(),
  port: z.number().int().min(1).max(65535),
  pod: z.string(),
  workload: ObjectName,
  namespace: NamespaceName,
  /** Whether a proxy fronts this endpoint (so mTLS can be used to reach it). */
  meshed: z.boolean(),
  /** The identity the endpoint's proxy presents, when meshed. */
  identity: z.string().optional(),
});
export type Endpoint = z.infer<typeof Endpoint>;

/** A service name with a port, or a virtual address with a port: what a client dials. */
export const Authority = z
  .string()
  .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port, such as web.demo.svc.cluster.local:8080');
export type Authority = z.infer<typeof Authority>;

/** The full current set of endpoints for an authority, as the destination service streams it. */
export const EndpointSet = z.object({
  authority: Authority,
  /** The service the authority resolved to, when it resolved to one. */
  service: WorkloadRef.nullable(),
  endpoints: z.array(Endpoint),
});
export type EndpointSet = z.infer<typeof EndpointSet>;

/** Progress of a mesh or unmesh rollout, streamed while it runs. */
export const RolloutProgress = lazy(() =>
  z.object({
    workload: WorkloadRef,
    action: z.enum(['mesh', 'unmesh']),
    total: z.number().int().nonnegative(),
    updated: z.number().int().nonnegative(),
    ready: z.number().int().nonnegative(),
    state: z.enum(['progressing', 'complete', 'failed']),
    message: z.string(),
    /** A pod took longer than the progress deadline; the rollout still waits for it (as Kubernetes does). */
    progressDeadlineExceeded: z.boolean().optional(),
  }),
);
export type RolloutProgress = z.infer<typeof RolloutProgress>;
