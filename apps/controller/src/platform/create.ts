/**
 * The one place the controller picks its platform (`WEFT_PLATFORM`): the local platform
 * runs a manifest directory as processes on this machine; the Kubernetes platform reads
 * and changes a cluster (kubeconfig from `KUBECONFIG`, else in-cluster). Everything else
 * sees only the `Platform` port.
 */
import { SharedAuthStorage } from '../auth/shared-auth.ts';
import type { Platform } from '../core/platform.ts';
import type { ControllerEnv } from '../env.ts';
import type { TokenValidator } from '../identity/token.ts';
import type { StateStore } from '../state/store.ts';
import { AuthSecret } from './kubernetes/auth-secret.ts';
import type { ClusterState } from './kubernetes/cluster-state.ts';
import { loadKubeConfig } from './kubernetes/kubeconfig.ts';
import { KubernetesPlatform } from './kubernetes/kubernetes-platform.ts';
import type { PolicySink } from './kubernetes/policy-resources.ts';
import { TokenReviewValidator } from './kubernetes/token-review.ts';
import type { TrustRootsSource } from './kubernetes/trust-roots.ts';
import { LocalPlatform } from './local/local-platform.ts';
import { netnsUnavailable } from './local/netns/node-network.ts';
import type { PodIdentity } from './local/pod-env.ts';

/** The part of the controller's configuration (env.ts) the platforms read. */
export type PlatformConfig = Pick<
  ControllerEnv,
  | 'platform'
  | 'kubeconfig'
  | 'inCluster'
  | 'lease'
  | 'webhook'
  | 'manifestsDir'
  | 'workdir'
  | 'podOctet'
  | 'serviceOctet'
  | 'proxyMain'
  | 'hostEnv'
> &
  Partial<Pick<ControllerEnv, 'localCapture' | 'maxRollouts'>>;

export interface PlatformDeps {
  store: StateStore;
  /** The checkout the controller runs from (where the proxy and balancer live). */
  repoRoot: string;
  /** Where proxies reach the controller; read when a pod starts, after the API is listening. */
  controllerUrl: () => string;
  /** Extra proxy environment per meshed pod (its identity token and trust anchor). */
  proxyEnvFor: (pod: PodIdentity) => Record<string, string>;
}

export async function createPlatform(env: PlatformConfig, deps: PlatformDeps): Promise<Platform> {
  switch (env.platform) {
    case 'local': {
      if (env.localCapture === 'netns') {
        const why = netnsUnavailable();
        if (why !== null) throw new Error(why);
      }
      return new LocalPlatform({
        manifestsDir: env.manifestsDir,
        workdir: env.workdir,
        store: deps.store,
        podOctet: env.podOctet,
        serviceOctet: env.serviceOctet,
        proxyMain: env.proxyMain,
        repoRoot: deps.repoRoot,
        hostEnv: env.hostEnv,
        controllerUrl: deps.controllerUrl,
        proxyEnvFor: deps.proxyEnvFor,
        capture: env.localCapture ?? 'http-proxy',
        ...(env.maxRollouts === undefined ? {} : { maxConcurrentRollouts: env.maxRollouts }),
      });
    }
    case 'kubernetes': {
      const { certFile, keyFile, ...rest } = env.webhook;
      const webhook =
        certFile && keyFile ? { ...rest, certFile, keyFile, controllerUrl: deps.controllerUrl } : undefined;
      return new KubernetesPlatform(loadKubeConfig(env.kubeconfig, env.inCluster), webhook, env.lease);
    }
  }
}

/**
 * How the platform proves workloads: on Kubernetes, projected service-account tokens
 * checked with TokenReview; undefined on the local platform (the controller's own tokens).
 */
export function platformTokenValidator(env: PlatformConfig): TokenValidator | undefined {
  return env.platform === 'kubernetes'
    ? new TokenReviewValidator(loadKubeConfig(env.kubeconfig, env.inCluster))
    : undefined;
}

/** On Kubernetes, a copy of the trust anchors is kept in every namespace with meshed pods; elsewhere nothing. */
export function attachTrustRoots(platform: Platform, source: TrustRootsSource): void {
  if (platform instanceof KubernetesPlatform) platform.attachTrustRoots(source);
}

/**
 * Where state shared by controller replicas lives: on Kubernetes with leader election,
 * ConfigMaps in the controller's namespace (written by the Lease holder); elsewhere
 * undefined (the state directory).
 */
export function sharedStateOf(platform: Platform): ClusterState | undefined {
  return platform instanceof KubernetesPlatform ? platform.sharedState : undefined;
}

/** Calls `fn` each time this replica takes over the writers (on Kubernetes: the Lease); elsewhere never. */
export function onLeadership(platform: Platform, fn: () => void): void {
  if (platform instanceof KubernetesPlatform) platform.onLeading(fn);
}

/** On Kubernetes, the policy custom resources feed `policy` (and get their status written); elsewhere nothing. */
export function attachPolicyResources(platform: Platform, policy: PolicySink): void {
  if (platform instanceof KubernetesPlatform) platform.attachPolicies(policy);
}

/**
 * Where sign-in state lives: on Kubernetes the `weft-auth` Secret in the controller's
 * namespace, shared by the replicas (watched until `stop`); undefined on the local
 * platform (files in the state directory).
 */
export async function sharedAuthStorage(
  env: PlatformConfig,
  log: (message: string) => void,
): Promise<{ storage: SharedAuthStorage; stop: () => Promise<void> } | undefined> {
  if (env.platform !== 'kubernetes') return undefined;
  const secret = new AuthSecret(loadKubeConfig(env.kubeconfig, env.inCluster), {
    namespace: env.lease.namespace,
    log,
  });
  await secret.start();
  return { storage: await SharedAuthStorage.open(secret), stop: () => secret.stop() };
}
