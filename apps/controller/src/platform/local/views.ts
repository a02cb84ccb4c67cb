/**
 * The local platform's objects as the API shows them (`Workload`, `Pod`, `Service` from
 * `@weft/shared`): pure functions of the specs, the durable records and the rollout.
 */
import type { Pod, RolloutProgress, Service, Workload } from '@weft/shared';
import type { DeploymentSpec, ServiceSpec } from './manifests.ts';
import { PROXY_ADMIN_PORT } from './pod-env.ts';
import type { PodRecord } from './pod-record.ts';
import type { WorkloadState } from './state.ts';

export function podView(r: PodRecord): Pod {
  return {
    namespace: r.namespace,
    name: r.name,
    workload: r.workload,
    ip: r.ip,
    phase: r.app ? 'Running' : 'Pending',
    ready: r.ready,
    meshed: r.meshed,
    restarts: r.restarts,
    lastExit: r.lastExit,
    proxyAdmin: r.meshed ? `${r.ip}:${PROXY_ADMIN_PORT}` : null,
    startedAt: r.startedAt,
  };
}

export function workloadView(w: {
  spec: DeploymentSpec;
  state: WorkloadState;
  progress: RolloutProgress;
  rolling: boolean;
  /** The workload's pods that are not terminating. */
  pods: PodRecord[];
  /** The current template hash. */
  hash: string;
}): Workload {
  const meshedPods = w.pods.filter((p) => p.meshed);
  const settled =
    !w.rolling && w.pods.length === w.state.replicas && w.pods.every((p) => p.templateHash === w.hash);
  let meshState: Workload['meshState'];
  if (w.progress.state === 'failed') meshState = 'failed';
  else if (w.state.meshed) meshState = settled && meshedPods.length === w.pods.length ? 'meshed' : 'meshing';
  else meshState = meshedPods.length > 0 ? 'unmeshing' : 'unmeshed';
  return {
    namespace: w.spec.namespace,
    name: w.spec.name,
    kind: 'Deployment',
    labels: w.spec.labels,
    serviceAccount: w.spec.serviceAccount,
    replicas: w.state.replicas,
    readyReplicas: w.pods.filter((p) => p.ready).length,
    meshedReplicas: meshedPods.length,
    meshed: w.state.meshed,
    meshState,
    createdAt: w.state.createdAt,
  };
}

/** `resolveTarget` turns a named target port into a number (from the selected Deployment's container). */
export function serviceView(
  spec: ServiceSpec,
  clusterIP: string,
  resolveTarget: (ref: number | string) => number | undefined,
): Service {
  return {
    namespace: spec.namespace,
    name: spec.name,
    clusterIP,
    selector: spec.selector,
    ports: spec.ports.map((port) => ({
      ...(port.name ? { name: port.name } : {}),
      port: port.port,
      targetPort: resolveTarget(port.targetPort) ?? port.port,
      protocol: port.protocol,
    })),
  };
}
