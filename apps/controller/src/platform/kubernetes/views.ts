/**
 * Cluster objects as the API shows them (`Workload`, `Pod`, `Service`, endpoints,
 * rollout progress): pure functions of what the informers hold.
 */
import type { V1Deployment, V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';
import {
  type Endpoint,
  INJECT_ANNOTATION,
  meshIdentity,
  type Pod,
  PROXY_ADMIN_PORT,
  PROXY_CONTAINER,
  type RolloutProgress,
  type Service,
  type Workload,
} from '@weft/shared';
import type { ServiceEndpoints } from '../../core/platform.ts';

/** Re-exported for the Kubernetes platform's modules (defined with the injection in `@weft/shared`). */
export { PROXY_ADMIN_PORT, PROXY_CONTAINER };

const stamp = (d: Date | string | undefined) => (d instanceof Date ? d.toISOString() : (d ?? ''));

export const isMeshedPod = (pod: V1Pod) =>
  (pod.spec?.containers ?? []).some((c) => c.name === PROXY_CONTAINER);
export const isReadyPod = (pod: V1Pod) =>
  !pod.metadata?.deletionTimestamp &&
  (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
/**
 * Whether the pod's proxy serves mTLS: it is injected and its container is ready. The
 * injected proxy's readiness probe is its `/ready`, which fails until it holds a
 * certificate (as Linkerd's), so a ready proxy terminates mesh TLS. A Ready endpoint
 * whose proxy is not (yet) reported ready is announced plaintext, which the proxy serves too.
 */
export const servesTls = (pod: V1Pod) =>
  isMeshedPod(pod) &&
  (pod.status?.containerStatuses ?? []).some((s) => s.name === PROXY_CONTAINER && s.ready);
export const wantsMesh = (d: V1Deployment) =>
  d.spec?.template?.metadata?.annotations?.[INJECT_ANNOTATION] === 'enabled';

/** The app container: the first one that is not the proxy. */
export function appContainer(pod: V1Pod): string | undefined {
  return (pod.spec?.containers ?? []).find((c) => c.name !== PROXY_CONTAINER)?.name;
}

export function podView(pod: V1Pod, workload: string): Pod {
  const ip = pod.status?.podIP ?? '';
  const meshed = isMeshedPod(pod);
  const statuses = pod.status?.containerStatuses ?? [];
  const app = statuses.find((s) => s.name === appContainer(pod));
  const terminated = app?.lastState?.terminated;
  const phase = pod.status?.phase;
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    workload,
    ip,
    phase:
      phase === 'Running' || phase === 'Succeeded' || phase === 'Failed' || phase === 'Unknown'
        ? phase
        : 'Pending',
    ready: isReadyPod(pod),
    meshed,
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
    lastExit: terminated
      ? {
          code: terminated.exitCode ?? null,
          signal: terminated.signal === undefined ? null : String(terminated.signal),
          at: stamp(terminated.finishedAt),
        }
      : null,
    proxyAdmin: meshed && ip ? `${ip}:${PROXY_ADMIN_PORT}` : null,
    startedAt: stamp(pod.status?.startTime ?? pod.metadata?.creationTimestamp),
  };
}

/** Where a rollout stands, from the Deployment's status and its pods. */
export function rolloutView(d: V1Deployment, pods: V1Pod[]): RolloutProgress {
  const meshed = wantsMesh(d);
  const total = d.spec?.replicas ?? 1;
  const status = d.status ?? {};
  const observed = (status.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  // Until the Deployment controller has seen the change, its counts are of the old template.
  const updated = observed ? Math.min(status.updatedReplicas ?? 0, total) : 0;
  const ready = Math.min(pods.filter((p) => isReadyPod(p) && isMeshedPod(p) === meshed).length, total);
  const stuck = (status.conditions ?? []).find(
    (c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded',
  );
  const complete = observed && updated === total && ready === total && pods.length === total;
  return {
    workload: { namespace: d.metadata?.namespace ?? '', name: d.metadata?.name ?? '' },
    action: meshed ? 'mesh' : 'unmesh',
    total,
    updated,
    ready,
    state: stuck ? 'failed' : complete ? 'complete' : 'progressing',
    message: stuck
      ? (stuck.message ?? 'the rollout exceeded its progress deadline')
      : complete
        ? 'rollout complete'
        : `${ready} of ${total} pods updated and ready`,
  };
}

export function workloadView(d: V1Deployment, pods: V1Pod[]): Workload {
  const rollout = rolloutView(d, pods);
  const meshed = wantsMesh(d);
  const meshedPods = pods.filter(isMeshedPod).length;
  let meshState: Workload['meshState'];
  if (rollout.state === 'failed') meshState = 'failed';
  else if (meshed)
    meshState = rollout.state === 'complete' && meshedPods === pods.length ? 'meshed' : 'meshing';
  else meshState = meshedPods > 0 ? 'unmeshing' : 'unmeshed';
  return {
    namespace: d.metadata?.namespace ?? '',
    name: d.metadata?.name ?? '',
    kind: 'Deployment',
    labels: d.metadata?.labels ?? {},
    serviceAccount: d.spec?.template?.spec?.serviceAccountName ?? 'default',
    replicas: d.spec?.replicas ?? 1,
    readyReplicas: pods.filter(isReadyPod).length,
    meshedReplicas: meshedPods,
    meshed,
    meshState,
    createdAt: stamp(d.metadata?.creationTimestamp),
  };
}

/** A named target port resolved on the selected pods' containers. */
function resolveTarget(ref: number | string | undefined, port: number, pods: V1Pod[]): number | undefined {
  if (ref === undefined) return port;
  if (typeof ref === 'number') return ref;
  if (/^\d+$/.test(ref)) return Number(ref);
  for (const pod of pods)
    for (const c of pod.spec?.containers ?? [])
      for (const p of c.ports ?? []) if (p.name === ref) return p.containerPort;
  return undefined;
}

export function serviceView(svc: V1Service, selectedPods: V1Pod[]): Service {
  return {
    namespace: svc.metadata?.namespace ?? '',
    name: svc.metadata?.name ?? '',
    clusterIP: svc.spec?.clusterIP ?? '',
    selector: svc.spec?.selector ?? {},
    ports: (svc.spec?.ports ?? []).flatMap((p) => {
      if (p.protocol === 'SCTP') return [];
      const targetPort =
        resolveTarget(p.targetPort as number | string | undefined, p.port, selectedPods) ?? p.port;
      return [
        {
          ...(p.name ? { name: p.name } : {}),
          port: p.port,
          targetPort,
          protocol: p.protocol === 'UDP' ? 'UDP' : 'TCP',
        },
      ];
    }),
  };
}

/** The service's ready endpoints per port, from its EndpointSlices; `podInfo` names each pod's workload. */
export function endpointsView(
  svc: V1Service,
  slices: V1EndpointSlice[],
  podInfo: (name: string) => { pod: V1Pod; workload: string } | undefined,
): ServiceEndpoints[] {
  const namespace = svc.metadata?.namespace ?? '';
  return (svc.spec?.ports ?? []).map((port) => {
    const endpoints: Endpoint[] = [];
    for (const slice of slices) {
      const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? ''));
      if (slicePort?.port === undefined) continue;
      for (const e of slice.endpoints ?? []) {
        if (e.conditions?.ready === false || e.targetRef?.kind !== 'Pod' || !e.targetRef.name) continue;
        const info = podInfo(e.targetRef.name);
        const address = e.addresses[0];
        if (!info || !address) continue;
        endpoints.push(podEndpointView(info.pod, info.workload, address, slicePort.port));
      }
    }
    endpoints.sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }));
    return { service: { namespace, name: svc.metadata?.name ?? '' }, port: port.port, endpoints };
  });
}

/** One pod's address and port as an endpoint: meshed, with its identity, only while its proxy serves mTLS. */
export function podEndpointView(pod: V1Pod, workload: string, address: string, port: number): Endpoint {
  const namespace = pod.metadata?.namespace ?? '';
  const meshed = servesTls(pod);
  return {
    address,
    port,
    pod: pod.metadata?.name ?? '',
    workload,
    namespace,
    meshed,
    ...(meshed ? { identity: meshIdentity(pod.spec?.serviceAccountName ?? 'default', namespace) } : {}),
  };
}
