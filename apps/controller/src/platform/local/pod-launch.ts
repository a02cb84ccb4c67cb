/**
 * How a local pod's processes are started: builds the `PodLaunch` (app command and env,
 * proxy command and env when meshed, readiness check) from the Deployment's container
 * and the pod's durable record. Commands and env are computed at each (re)start, so a
 * restarted container sees the current services.
 */
import type { DeploymentSpec } from './manifests.ts';
import { resolvePort } from './manifests.ts';
import { IP, PROXY_GID } from './netns/layout.ts';
import { inPod } from './netns/pod-network.ts';
import type { PodLaunch } from './pod.ts';
import {
  appCommand,
  appEnv,
  hostWorkdir,
  type LocalCapture,
  type PodIdentity,
  proxyEnv,
  type ServiceAddress,
} from './pod-env.ts';
import type { PodRecord } from './pod-record.ts';
import type { ProbeTarget } from './probe.ts';
import { proxyNodeArgs } from './proxy-entry.ts';

/** Readiness settings when the container declares no probe: check its first port often. */
export const DEFAULT_PROBE = {
  initialDelaySeconds: 0,
  periodSeconds: 1,
  timeoutSeconds: 1,
  failureThreshold: 3,
  successThreshold: 1,
};

/** How long a proxy drains requests in flight on SIGTERM, at most. */
const PROXY_DRAIN_MS = 5000;

export interface LaunchContext {
  workdir: string;
  proxyMain: string;
  repoRoot: string;
  hostEnv: Record<string, string>;
  stopGraceMs: number;
  controllerUrl: () => string;
  services: () => ServiceAddress[];
  proxyEnvFor: ((pod: PodIdentity) => Record<string, string>) | undefined;
  /** `netns`: processes run inside the pod's network namespace (`ip netns exec`). */
  capture: LocalCapture;
}

/** Runs `command args` inside the pod's network namespace when capture is netns. */
function placed(ctx: LaunchContext, ip: string, command: string, args: string[]) {
  return ctx.capture === 'netns'
    ? { command: IP, args: [...inPod(ip), command, ...args] }
    : { command, args };
}

/** Where the app's readiness is checked: its probe's port moved to the app's own port, else its first port. */
export function probeTarget(spec: DeploymentSpec, record: PodRecord): ProbeTarget | undefined {
  const container = spec.container;
  const toApp = (ref: number | string) => {
    const port = resolvePort(container, ref);
    if (port === undefined) return undefined;
    return record.ports.find((p) => p.containerPort === port)?.appPort ?? port;
  };
  const probe = container.readinessProbe;
  if (probe?.httpGet) {
    const port = toApp(probe.httpGet.port);
    if (port !== undefined) return { kind: 'http', host: record.ip, port, path: probe.httpGet.path };
  }
  if (probe?.tcpSocket) {
    const port = toApp(probe.tcpSocket.port);
    if (port !== undefined) return { kind: 'tcp', host: record.ip, port };
  }
  const first = record.ports[0];
  return first ? { kind: 'tcp', host: record.ip, port: first.appPort } : undefined;
}

export function podLaunch(spec: DeploymentSpec, record: PodRecord, ctx: LaunchContext): PodLaunch {
  const identity: PodIdentity = {
    namespace: record.namespace,
    name: record.name,
    workload: record.workload,
    serviceAccount: spec.serviceAccount,
    ip: record.ip,
  };
  const container = spec.container;
  return {
    app: () => ({
      ...(({ command, args }) => placed(ctx, record.ip, command, args))(appCommand(container)),
      cwd: hostWorkdir(container, ctx.workdir),
      env: appEnv({
        container,
        pod: identity,
        ports: record.ports,
        meshed: record.meshed,
        services: ctx.services(),
        host: ctx.hostEnv,
        capture: ctx.capture,
      }),
    }),
    proxy: record.meshed
      ? () => ({
          ...placed(ctx, record.ip, process.execPath, proxyNodeArgs(ctx.proxyMain)),
          ...(ctx.capture === 'netns' ? { gid: PROXY_GID } : {}),
          cwd: ctx.repoRoot,
          env: proxyEnv({
            pod: identity,
            ports: record.ports,
            controllerUrl: ctx.controllerUrl(),
            host: ctx.hostEnv,
            capture: ctx.capture,
            extra: {
              WEFT_PROXY_DRAIN_GRACE_MS: String(Math.min(PROXY_DRAIN_MS, ctx.stopGraceMs)),
              ...ctx.proxyEnvFor?.(identity),
            },
          }),
        })
      : undefined,
    probe: { target: probeTarget(spec, record), spec: container.readinessProbe ?? DEFAULT_PROBE },
  };
}

/** For a pod whose Deployment is gone: it can only be stopped. */
export function noLaunch(record: PodRecord): PodLaunch {
  const none = () => {
    throw new Error(`pod ${record.name} has no workload any more`);
  };
  return { app: none, proxy: undefined, probe: { target: undefined, spec: DEFAULT_PROBE } };
}
