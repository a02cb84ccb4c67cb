/**
 * Proxy injection, a pure function: the JSON patch (RFC 6902) the mutating admission
 * webhook returns for a pod that asks to be meshed (`weft.dev/inject: enabled` on the
 * pod, or on its namespace unless the pod says `disabled`). It adds the `weft-init`
 * init container, which installs the iptables redirection (inbound → 4143, outbound →
 * 4140, the proxy's UID and the skip ports left alone), and the `weft-proxy` container.
 * The proxy also gets a projected service-account token for the controller's audience
 * (kubelet rotates the file; the proxy re-reads it) and the trust anchors from the
 * `weft-identity-trust-roots` ConfigMap. A pod already injected, or on the host network,
 * gets no patch. `injectPod` applies the
 * same patch to a copy, for `weft inject` (YAML in, YAML out).
 *
 * Pods are typed by the few fields read here, so that the Kubernetes client's `V1Pod`
 * fits without this package depending on it.
 */
import {
  CAPTURE_DEFAULT_INBOUND_SKIP,
  CAPTURE_INBOUND_PORT,
  CAPTURE_OUTBOUND_PORT,
  CAPTURE_PROXY_UID,
  redirectionScript,
} from './capture.ts';
import { INJECT_ANNOTATION } from './workload.ts';

/** The container the injection adds; a pod that has it is meshed. */
export const PROXY_CONTAINER = 'weft-proxy';
/** The proxy's admin port (metrics, readiness), as on the local platform. */
export const PROXY_ADMIN_PORT = 4191;

/** What injection reads of a container. */
export interface ContainerLike {
  name: string;
  ports?: { containerPort: number }[] | undefined;
}

/** What injection reads of a pod (or of a workload's pod template). */
export interface PodLike {
  metadata?:
    | {
        name?: string | undefined;
        generateName?: string | undefined;
        labels?: Record<string, string> | undefined;
        annotations?: Record<string, string> | undefined;
        ownerReferences?: { kind: string; name: string }[] | undefined;
      }
    | undefined;
  spec?:
    | {
        hostNetwork?: boolean | undefined;
        containers?: ContainerLike[] | undefined;
        initContainers?: ContainerLike[] | undefined;
        volumes?: { name: string }[] | undefined;
      }
    | undefined;
}

/** A container the injection adds, as the Kubernetes API takes it. */
export type InjectedContainer = { name: string; image: string } & Record<string, unknown>;

export const INIT_CONTAINER = 'weft-init';
/** Set on an injected pod. */
export const INJECTED_ANNOTATION = 'weft.dev/injected';
/** Comma-separated ports or ranges the redirection leaves alone (pod or namespace annotation). */
export const SKIP_INBOUND_ANNOTATION = 'config.weft.dev/skip-inbound-ports';
export const SKIP_OUTBOUND_ANNOTATION = 'config.weft.dev/skip-outbound-ports';

/** The audience of the projected token the proxy proves its workload with (checked by TokenReview). */
export const WEFT_TOKEN_AUDIENCE = 'weft';
/** The projected token's volume, where it is mounted, and the file the proxy reads. */
export const TOKEN_VOLUME = 'weft-identity-token';
export const TOKEN_MOUNT_DIR = '/var/run/secrets/tokens';
export const TOKEN_FILE = `${TOKEN_MOUNT_DIR}/${TOKEN_VOLUME}`;
/** The token's lifetime as asked of kubelet (which rotates it at 80% of it). */
export const TOKEN_EXPIRATION_SECONDS = 3600;
/** The ConfigMap with the trust anchors (`trust-anchor.pem`, `trust-domain`), its volume and mount. */
export const TRUST_ROOTS_CONFIGMAP = 'weft-identity-trust-roots';
/** The label on each copy of it the controller keeps current. */
export const TRUST_ROOTS_LABEL = 'weft.dev/trust-roots';
export const TRUST_ROOTS_VOLUME = 'weft-identity-trust-roots';
export const TRUST_ROOTS_MOUNT_DIR = '/var/run/weft/identity';

export interface InjectionConfig {
  proxyImage: string;
  /** An image with `sh` and `iptables`. */
  initImage: string;
  /** Where proxies reach the controller (its Service's URL). */
  controllerUrl: string;
}

export interface JsonPatchOperation {
  op: 'add';
  path: string;
  value: unknown;
}

/** `~` and `/` escaped for a JSON pointer segment. */
const pointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

const ports = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');

/** Whether the pod (or, failing its own word, its namespace) asks for the proxy. */
export function wantsInjection(pod: PodLike, namespaceAnnotations: Record<string, string>): boolean {
  const own = pod.metadata?.annotations?.[INJECT_ANNOTATION];
  if (own !== undefined) return own === 'enabled';
  return namespaceAnnotations[INJECT_ANNOTATION] === 'enabled';
}

/** The workload a pod belongs to: its ReplicaSet's name without the pod-template hash. */
function workloadOf(pod: PodLike): string {
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  const rs = pod.metadata?.ownerReferences?.find((r) => r.kind === 'ReplicaSet')?.name;
  if (rs && hash && rs.endsWith(`-${hash}`)) return rs.slice(0, -hash.length - 1);
  return rs ?? pod.metadata?.name ?? pod.metadata?.generateName?.replace(/-$/, '') ?? 'unknown';
}

const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

export function proxyContainer(pod: PodLike, config: InjectionConfig): InjectedContainer {
  const appPorts = (pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
  return {
    name: PROXY_CONTAINER,
    image: config.proxyImage,
    ports: [
      { name: 'weft-proxy', containerPort: CAPTURE_INBOUND_PORT },
      { name: 'weft-admin', containerPort: PROXY_ADMIN_PORT },
    ],
    env: [
      { name: 'WEFT_PROXY_CAPTURE', value: 'transparent' },
      { name: 'WEFT_PROXY_INBOUND_HOST', value: '0.0.0.0' },
      ...(appPorts.length > 0
        ? [
            {
              name: 'WEFT_PROXY_INBOUND_PORTS',
              value: appPorts.map((p) => `${CAPTURE_INBOUND_PORT}:${p}`).join(','),
            },
          ]
        : []),
      { name: 'WEFT_PROXY_APP_HOST', value: '127.0.0.1' },
      { name: 'WEFT_PROXY_OUTBOUND_LISTEN', value: `127.0.0.1:${CAPTURE_OUTBOUND_PORT}` },
      { name: 'WEFT_PROXY_ADMIN_LISTEN', value: `0.0.0.0:${PROXY_ADMIN_PORT}` },
      { name: 'WEFT_PROXY_CONTROLLER_URL', value: config.controllerUrl },
      { name: 'WEFT_PROXY_WORKLOAD', value: workloadOf(pod) },
      fieldEnv('WEFT_PROXY_NAMESPACE', 'metadata.namespace'),
      fieldEnv('WEFT_PROXY_POD', 'metadata.name'),
      fieldEnv('WEFT_PROXY_SERVICE_ACCOUNT', 'spec.serviceAccountName'),
      { name: 'WEFT_PROXY_IDENTITY_TOKEN_FILE', value: TOKEN_FILE },
      { name: 'WEFT_PROXY_IDENTITY_DIR', value: TRUST_ROOTS_MOUNT_DIR },
    ],
    volumeMounts: [
      { name: TOKEN_VOLUME, mountPath: TOKEN_MOUNT_DIR, readOnly: true },
      { name: TRUST_ROOTS_VOLUME, mountPath: TRUST_ROOTS_MOUNT_DIR, readOnly: true },
    ],
    readinessProbe: { httpGet: { path: '/ready', port: PROXY_ADMIN_PORT }, periodSeconds: 2 },
    securityContext: {
      runAsUser: CAPTURE_PROXY_UID,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    },
  };
}

/**
 * The volumes the proxy mounts: its projected token and the trust anchors. The anchors'
 * volume is required where the namespace has its copy of the ConfigMap (the controller
 * keeps one in each namespace with meshed pods), else optional.
 */
export function proxyVolumes(trustRootsInNamespace = false): Record<string, unknown>[] {
  return [
    {
      name: TOKEN_VOLUME,
      projected: {
        sources: [
          {
            serviceAccountToken: {
              audience: WEFT_TOKEN_AUDIENCE,
              expirationSeconds: TOKEN_EXPIRATION_SECONDS,
              path: TOKEN_VOLUME,
            },
          },
        ],
      },
    },
    // Optional without the copy: the pod still starts, and the proxy takes the anchors from the controller.
    {
      name: TRUST_ROOTS_VOLUME,
      configMap: { name: TRUST_ROOTS_CONFIGMAP, optional: !trustRootsInNamespace },
    },
  ];
}

/** The init container; throws a `MeshError` naming a bad skip-port annotation. */
export function initContainer(
  pod: PodLike,
  namespaceAnnotations: Record<string, string>,
  config: InjectionConfig,
): InjectedContainer {
  const annotation = (key: string) => pod.metadata?.annotations?.[key] ?? namespaceAnnotations[key];
  const script = redirectionScript({
    proxyUid: CAPTURE_PROXY_UID,
    inboundPortsToIgnore: [...CAPTURE_DEFAULT_INBOUND_SKIP, ...ports(annotation(SKIP_INBOUND_ANNOTATION))],
    outboundPortsToIgnore: ports(annotation(SKIP_OUTBOUND_ANNOTATION)),
  });
  return {
    name: INIT_CONTAINER,
    image: config.initImage,
    command: ['sh', '-c', script],
    securityContext: {
      runAsUser: 0,
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    },
  };
}

/** The patch that meshes the pod; empty when it does not ask for it or already has the proxy. */
export function injectionPatch(
  pod: PodLike,
  namespaceAnnotations: Record<string, string>,
  config: InjectionConfig,
  trustRootsInNamespace = false,
): JsonPatchOperation[] {
  if (!wantsInjection(pod, namespaceAnnotations)) return [];
  if (pod.spec?.hostNetwork) return [];
  if ((pod.spec?.containers ?? []).some((c) => c.name === PROXY_CONTAINER)) return [];
  const init = initContainer(pod, namespaceAnnotations, config);
  const ops: JsonPatchOperation[] = [];
  ops.push(
    pod.spec?.initContainers?.length
      ? { op: 'add', path: '/spec/initContainers/0', value: init }
      : { op: 'add', path: '/spec/initContainers', value: [init] },
  );
  ops.push({ op: 'add', path: '/spec/containers/-', value: proxyContainer(pod, config) });
  if (pod.spec?.volumes?.length)
    for (const v of proxyVolumes(trustRootsInNamespace))
      ops.push({ op: 'add', path: '/spec/volumes/-', value: v });
  else ops.push({ op: 'add', path: '/spec/volumes', value: proxyVolumes(trustRootsInNamespace) });
  ops.push(
    pod.metadata?.annotations
      ? { op: 'add', path: `/metadata/annotations/${pointer(INJECTED_ANNOTATION)}`, value: 'true' }
      : { op: 'add', path: '/metadata/annotations', value: { [INJECTED_ANNOTATION]: 'true' } },
  );
  return ops;
}

/**
 * The pod (or pod template) as the webhook would admit it: a copy with the patch of
 * {@link injectionPatch} applied (the pod itself, unchanged, when it gets none).
 */
export function injectPod<P extends PodLike>(
  pod: P,
  namespaceAnnotations: Record<string, string>,
  config: InjectionConfig,
): P {
  const patch = injectionPatch(pod, namespaceAnnotations, config);
  if (patch.length === 0) return pod;
  const out = structuredClone(pod) as unknown as {
    metadata?: { annotations?: Record<string, string> };
    spec: { initContainers?: unknown[]; containers: unknown[]; volumes?: unknown[] };
  };
  out.metadata ??= {};
  const meta = out.metadata;
  for (const op of patch) {
    if (op.path === '/spec/initContainers') out.spec.initContainers = op.value as unknown[];
    else if (op.path === '/spec/initContainers/0') out.spec.initContainers?.unshift(op.value);
    else if (op.path === '/spec/containers/-') out.spec.containers.push(op.value);
    else if (op.path === '/spec/volumes') out.spec.volumes = op.value as unknown[];
    else if (op.path === '/spec/volumes/-') out.spec.volumes?.push(op.value);
    else if (op.path === '/metadata/annotations') meta.annotations = op.value as Record<string, string>;
    else meta.annotations = { ...meta.annotations, [INJECTED_ANNOTATION]: op.value as string };
  }
  return out as unknown as P;
}
