/**
 * What a pod's processes are started with on the local platform: the app's command,
 * working directory and environment (its container env, `PORT`/`HOST`, Kubernetes-style
 * `<SVC>_SERVICE_HOST`/`_PORT` for every service, and `HTTP_PROXY` when meshed), and
 * the proxy's environment as docs/interfaces.md fixes it.
 *
 * Image mapping: a container's working directory `/app` (the demo image's WORKDIR; also
 * the default when the manifest sets none) is the host directory `workdir`, and
 * `/app/<sub>` is `<workdir>/<sub>`. A command `node` runs this Node binary.
 */
import { isAbsolute, join, relative } from 'node:path';
import { ErrorCode, MeshError } from '@weft/shared';
import type { ContainerSpec } from './manifests.ts';

/** The image working directory the host `workdir` stands for. */
export const IMAGE_WORKDIR = '/app';

/** Proxy ports on the pod's address (Linkerd's). */
export const PROXY_OUTBOUND_PORT = 4140;
export const PROXY_ADMIN_PORT = 4191;
export const PROXY_INBOUND_PORT = 4143;

/** How a meshed pod's outbound traffic reaches its proxy: `HTTP_PROXY` (rootless) or iptables in its own network namespace. */
export type LocalCapture = 'http-proxy' | 'netns';

/** Ports the proxy itself takes on a meshed pod's address. */
export const PROXY_PORTS: ReadonlySet<number> = new Set([
  PROXY_OUTBOUND_PORT,
  PROXY_ADMIN_PORT,
  PROXY_INBOUND_PORT,
]);

export interface PodPort {
  name?: string;
  /** The declared container port: where clients reach the pod (the proxy's, when meshed). */
  containerPort: number;
  /** Where the app listens: the container port, or a private port when meshed. */
  appPort: number;
}

/** The ports a pod's app listens on: declared ones, moved to private ports when meshed. */
export function podPorts(container: ContainerSpec, meshed: boolean): PodPort[] {
  const declared = new Set(container.ports.map((p) => p.containerPort));
  const taken = new Set([...declared, ...PROXY_PORTS]);
  return container.ports.map((p) => {
    let appPort = p.containerPort;
    if (meshed) {
      appPort = p.containerPort + 10000 <= 65535 ? p.containerPort + 10000 : p.containerPort - 10000;
      while (taken.has(appPort) || appPort < 1024) appPort = appPort >= 65535 ? 1024 : appPort + 1;
      taken.add(appPort);
    }
    return { ...(p.name ? { name: p.name } : {}), containerPort: p.containerPort, appPort };
  });
}

/** `my-svc` → `MY_SVC`. */
export function envName(service: string): string {
  return service.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export interface ServiceAddress {
  namespace: string;
  name: string;
  clusterIP: string;
  ports: { name?: string; port: number }[];
}

/** Kubernetes' service env: `<SVC>_SERVICE_HOST`, `_SERVICE_PORT`, `_SERVICE_PORT_<NAME>`; the pod's own namespace wins a name clash. */
export function serviceEnv(services: ServiceAddress[], namespace: string): Record<string, string> {
  const env: Record<string, string> = {};
  const ordered = [...services].sort(
    (a, b) => Number(a.namespace === namespace) - Number(b.namespace === namespace),
  );
  for (const s of ordered) {
    const first = s.ports[0];
    if (!first) continue;
    const n = envName(s.name);
    env[`${n}_SERVICE_HOST`] = s.clusterIP;
    env[`${n}_SERVICE_PORT`] = String(first.port);
    for (const p of s.ports) if (p.name) env[`${n}_SERVICE_PORT_${envName(p.name)}`] = String(p.port);
  }
  return env;
}

export interface PodIdentity {
  namespace: string;
  name: string;
  workload: string;
  serviceAccount: string;
  ip: string;
}

/** Maps the container's working directory onto the host. */
export function hostWorkdir(container: ContainerSpec, workdir: string): string {
  const dir = container.workingDir ?? IMAGE_WORKDIR;
  const rel = relative(IMAGE_WORKDIR, dir);
  if (!isAbsolute(dir) || rel.startsWith('..') || isAbsolute(rel)) {
    throw new MeshError(
      ErrorCode.invalidInput,
      `container ${container.name}: workingDir ${dir} is outside ${IMAGE_WORKDIR}, which the local platform maps to ${workdir}`,
    );
  }
  return join(workdir, rel);
}

/** The app's argv: `command` + `args`, with `node` mapped to this Node binary. */
export function appCommand(container: ContainerSpec): { command: string; args: string[] } {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  const first = argv.shift();
  if (!first) {
    throw new MeshError(
      ErrorCode.invalidInput,
      `container ${container.name}: the local platform needs an explicit command (it does not read images)`,
    );
  }
  return { command: first === 'node' ? process.execPath : first, args: argv };
}

/** The app process's environment. */
export function appEnv(opts: {
  container: ContainerSpec;
  pod: PodIdentity;
  ports: PodPort[];
  meshed: boolean;
  services: ServiceAddress[];
  /** Host variables to pass on (PATH, HOME, ...). */
  host: Record<string, string>;
  /** `netns`: iptables captures the pod's traffic, so no `HTTP_PROXY` is set. */
  capture?: LocalCapture;
}): Record<string, string> {
  const { container, pod, ports, meshed } = opts;
  const env: Record<string, string> = {
    ...opts.host,
    ...serviceEnv(opts.services, pod.namespace),
  };
  const fields: Record<string, string> = {
    'metadata.name': pod.name,
    'metadata.namespace': pod.namespace,
    'status.podIP': pod.ip,
    'spec.serviceAccountName': pod.serviceAccount,
  };
  for (const e of container.env) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef) env[e.name] = fields[e.valueFrom.fieldRef.fieldPath] ?? '';
  }
  env.HOST = pod.ip;
  if (ports[0]) env.PORT = String(ports[0].appPort);
  if (meshed && opts.capture !== 'netns') {
    const proxy = `http://${pod.ip}:${PROXY_OUTBOUND_PORT}`;
    env.HTTP_PROXY = proxy;
    env.http_proxy = proxy;
    env.grpc_proxy = proxy;
  }
  return env;
}

/** The proxy process's environment (names from docs/interfaces.md). */
export function proxyEnv(opts: {
  pod: PodIdentity;
  ports: PodPort[];
  controllerUrl: string;
  extra?: Record<string, string>;
  host: Record<string, string>;
  capture?: LocalCapture;
}): Record<string, string> {
  const { pod, ports } = opts;
  const netns = opts.capture === 'netns';
  return {
    ...opts.host,
    // With netns, iptables sends every inbound connection to 4143 and every outbound one to 4140.
    ...(netns
      ? {
          WEFT_PROXY_CAPTURE: 'transparent',
          WEFT_PROXY_INBOUND_HOST: '0.0.0.0',
          WEFT_PROXY_INBOUND_PORTS: ports.map((p) => `${PROXY_INBOUND_PORT}:${p.appPort}`).join(','),
          WEFT_PROXY_OUTBOUND_LISTEN: `127.0.0.1:${PROXY_OUTBOUND_PORT}`,
        }
      : {
          WEFT_PROXY_INBOUND_HOST: pod.ip,
          WEFT_PROXY_INBOUND_PORTS: ports.map((p) => `${p.containerPort}:${p.appPort}`).join(','),
          WEFT_PROXY_OUTBOUND_LISTEN: `${pod.ip}:${PROXY_OUTBOUND_PORT}`,
        }),
    WEFT_PROXY_APP_HOST: pod.ip,
    WEFT_PROXY_ADMIN_LISTEN: `${pod.ip}:${PROXY_ADMIN_PORT}`,
    WEFT_PROXY_CONTROLLER_URL: opts.controllerUrl,
    WEFT_PROXY_NAMESPACE: pod.namespace,
    WEFT_PROXY_WORKLOAD: pod.workload,
    WEFT_PROXY_POD: pod.name,
    WEFT_PROXY_SERVICE_ACCOUNT: pod.serviceAccount,
    ...opts.extra,
  };
}
