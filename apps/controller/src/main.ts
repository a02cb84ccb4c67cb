/**
 * The controller process: validates its environment, starts the platform and the API.
 * SIGTERM / SIGINT stop it gracefully, stopping every pod it runs; a crash or SIGKILL
 * leaves the pods running, and the next start takes them over.
 */
import { fileURLToPath } from 'node:url';
import { DEFAULT_TRUST_DOMAIN } from '@weft/shared';
import { startApiServer } from './api/server.ts';
import { AuthService } from './auth/service.ts';
import { backendMetricsReader, policyRouteWriter, systemClock } from './canary/adapters.ts';
import { CANARY_STATE_KEY, CanaryRunner } from './canary/runner.ts';
import type { Platform } from './core/platform.ts';
import { Destination } from './destination/destination.ts';
import { loadEnv } from './env.ts';
import { createIdentity } from './identity/index.ts';
import { MetricsService } from './metrics/service.ts';
import {
  attachPolicyResources,
  attachTrustRoots,
  createPlatform,
  onLeadership,
  platformTokenValidator,
  sharedAuthStorage,
  sharedStateOf,
} from './platform/create.ts';
import { MAX_DOCUMENT_BYTES } from './platform/kubernetes/cluster-state.ts';
import { type SeedResult, seedPolicies } from './policy/seed.ts';
import { PolicyService } from './policy/service.ts';
import { POLICY_STATE_KEY } from './policy/store.ts';
import { lockStateDir } from './state/lock.ts';
import { StateStore } from './state/store.ts';

const VERSION = '0.1.0';
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function main() {
  const env = loadEnv();
  const store = new StateStore(env.stateDir);
  // One controller per state directory: a second one would fight the first over its pods.
  const unlock = lockStateDir(env.stateDir);
  // Tokens name their pod; one whose pod is gone proves nothing (bound once the platform exists).
  let platformRef: Platform | undefined;
  // On Kubernetes the API server vouches for workloads (TokenReview of projected tokens).
  const reviewedTokens = platformTokenValidator(env);
  const identity = await createIdentity({
    stateDir: env.stateDir,
    trustDomain: DEFAULT_TRUST_DOMAIN,
    certLifetimeMs: env.identity.certLifetimeMs,
    tokenTtlMs: env.auth.workloadTokenTtlMs,
    podExists: (namespace, name) => platformRef?.listPods(namespace).some((p) => p.name === name) ?? false,
    // A rotation waits for the proxies that run now, not for a pod since unmeshed.
    proxyRunning: (namespace, name) =>
      platformRef?.listPods(namespace).some((p) => p.name === name && p.meshed) ?? false,
    ...(reviewedTokens ? { validator: reviewedTokens } : {}),
    ...(env.identity.supplied ? { supplied: env.identity.supplied } : {}),
    log: (level, m) => (level === 'warn' ? console.warn : console.log)(`[identity] ${m}`),
  });
  let controllerUrl = '';
  const platform = await createPlatform(env, {
    store,
    repoRoot: REPO_ROOT,
    controllerUrl: () => controllerUrl,
    // Each meshed pod's proxy proves its workload with a token and trusts the anchor in the identity dir.
    proxyEnvFor: (pod) => ({
      WEFT_PROXY_IDENTITY_TOKEN: identity.tokens.issue({
        namespace: pod.namespace,
        serviceAccount: pod.serviceAccount,
        workload: pod.workload,
        pod: pod.name,
      }),
      WEFT_PROXY_IDENTITY_DIR: identity.identityDir,
    }),
  });
  platformRef = platform;
  const authority = identity.service.authority;
  attachTrustRoots(platform, {
    anchorsPem: () => authority.anchorsPem,
    trustDomain: identity.trustDomain,
    onChange: (fn) => authority.onChange(() => fn()),
  });
  // On Kubernetes, users, sessions, login codes and the admin token are shared by the replicas.
  const sharedAuth = await sharedAuthStorage(env, (m) => console.warn(`[auth] ${m}`));
  const auth = new AuthService({
    stateDir: env.stateDir,
    ...(sharedAuth ? { storage: sharedAuth.storage } : {}),
    enabled: env.auth.enabled,
    workloads: identity.validator,
    onWarning: (m) => console.warn(`[auth] ${m}`),
  });
  if (!env.auth.enabled)
    console.warn(
      `[controller] WARNING: WEFT_AUTH=off: anyone who can reach ${env.api.host}:${env.api.port} is admin`,
    );
  const destination = new Destination(platform);
  const metrics = new MetricsService(platform, env.metrics);
  // With two replicas on Kubernetes, policy history and canaries live in the cluster.
  const shared = sharedStateOf(platform);
  const policy = new PolicyService({
    platform,
    state: shared ?? store,
    ...(shared ? { maxHistoryBytes: MAX_DOCUMENT_BYTES } : {}),
    authz: { defaultPolicy: env.defaultInboundPolicy, clusterNetworks: env.clusterNetworks },
  });
  attachPolicyResources(platform, policy);
  const canaries = new CanaryRunner({
    state: shared ?? store,
    clock: systemClock,
    metrics: backendMetricsReader(metrics.backend, platform),
    routes: policyRouteWriter(policy, platform),
    minHoldSeconds: Math.ceil((2 * env.metrics.scrapeIntervalMs) / 1000),
    // With two replicas on Kubernetes only the Lease holder drives canaries.
    leading: () => platform.leading ?? true,
  });
  shared?.onChange(POLICY_STATE_KEY, () => policy.adopt());
  shared?.onChange(CANARY_STATE_KEY, () => canaries.adopt());
  // The replica taking over from a leader resumes its canaries (after the first start, below).
  let resumed = false;
  onLeadership(platform, () => {
    if (resumed) canaries.resume('takeover');
  });
  const api = await startApiServer(
    {
      platform,
      destination,
      startedAt: Date.now(),
      version: VERSION,
      identity: identity.service,
      rotation: identity.rotation,
      metrics,
      policy,
      canaries,
      auth,
      workloadTokens: identity.tokens,
    },
    env.api.host,
    env.api.port,
    { allowedHosts: env.auth.allowedHosts },
  );
  const [host, port] = [api.address.slice(0, api.address.lastIndexOf(':')), api.address.split(':').at(-1)];
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  controllerUrl = env.controllerUrl ?? `http://${reachable}:${port}`;
  console.log(`[controller] API on http://${api.address}/trpc (state in ${env.stateDir})`);
  console.log(
    `[controller] admin API token in ${auth.adminToken.path} (send it as "Authorization: Bearer <token>")`,
  );
  await platform.start();
  // The local platform's manifest directory may carry initial policies; a cluster keeps its own.
  const seeded: SeedResult =
    env.platform === 'local'
      ? seedPolicies(policy, env.manifestsDir)
      : { skipped: 'the Kubernetes platform' };
  if ('error' in seeded) console.warn(`[policy] initial policies not applied: ${seeded.error}`);
  else if ('applied' in seeded)
    console.log(`[policy] applied ${seeded.applied} initial policies as revision ${seeded.revision}`);
  console.log(`[policy] serving policy revision ${policy.revision}`);
  metrics.start();
  // After the platform lists its Services: a resumed step's route is validated against them.
  canaries.resume();
  resumed = true;
  console.log(
    `[controller] scraping proxies every ${env.metrics.scrapeIntervalMs} ms; metrics from ${env.metrics.prometheusUrl ?? 'the embedded store'}; Prometheus file-SD at ${env.metrics.fileSdPath}`,
  );
  console.log(
    `[controller] ${platform.kind} platform running ${platform.listWorkloads().length} workloads${platform.kind === 'local' ? ` from ${env.manifestsDir}` : ''}`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(
      `[controller] ${signal}: ${platform.kind === 'local' ? 'stopping every pod' : 'stopping (the cluster keeps its pods)'}`,
    );
    // Each part is stopped even when one before it fails, and the process always exits.
    const step = async (part: string, stop: () => Promise<unknown>) => {
      try {
        await stop();
      } catch (err) {
        console.error(
          `[controller] stopping ${part} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    };
    await step('canaries', () => canaries.close());
    await step('metrics', () => metrics.stop());
    await step('policy', async () => policy.close());
    await step('the API', () => api.close());
    await step('the platform', () => platform.stop({ stopWorkloads: true }));
    if (sharedAuth) await step('the sign-in Secret watch', sharedAuth.stop);
    unlock();
    process.exit(0);
  };
  onSignal = (signal) => void shutdown(signal);
  if (pendingSignal) void shutdown(pendingSignal);
}

// A signal during start-up is acted on once start-up is done, so nothing it started is left behind.
let pendingSignal: string | undefined;
let onSignal = (signal: string) => {
  pendingSignal ??= signal;
};
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGINT', () => onSignal('SIGINT'));

process.on('uncaughtException', (err) => console.error(`[controller] uncaught: ${err.stack ?? err.message}`));
process.on('unhandledRejection', (err) => console.error(`[controller] unhandled rejection: ${String(err)}`));

main().catch((err: unknown) => {
  console.error(`[controller] cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
