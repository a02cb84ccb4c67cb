/**
 * Helpers for tests that mesh real proxies under the controller's eye: the identity API
 * in process (proxies get certificates from it), the environment that makes a proxy
 * meshed, meshed workloads and pods for a fake platform, and a wait for fresh scrapes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, Workload } from '@weft/shared';
import { startApiServer } from '../src/api/server.ts';
import type { ApiServices } from '../src/api/trpc.ts';
import { AuthService } from '../src/auth/service.ts';
import { createIdentity } from '../src/identity/index.ts';
import { MetricsService } from '../src/metrics/service.ts';
import { sleep } from './metrics-helpers.ts';

export interface IdentityApi {
  controllerUrl: string;
  /** A proxy's environment for `namespace/name`: its identity token, the trust anchor, the controller. */
  meshEnv(namespace: string, name: string): Record<string, string>;
  close(): Promise<void>;
}

/**
 * The controller's identity API on an ephemeral loopback port, state in a temp directory;
 * `more` adds services behind the same API (the policy service, for `policy.watch`).
 */
export async function startIdentityApi(more: Partial<ApiServices> = {}): Promise<IdentityApi> {
  const stateDir = mkdtempSync(join(tmpdir(), 'weft-mesh-test-'));
  const identity = await createIdentity({
    stateDir,
    trustDomain: 'cluster.local',
    certLifetimeMs: 3_600_000,
    log: () => {},
  });
  const services = {
    startedAt: Date.now(),
    version: 'test',
    identity: identity.service,
    auth: new AuthService({ stateDir, enabled: true, workloads: identity.validator }),
    ...more,
  } as unknown as ApiServices;
  const api = await startApiServer(services, '127.0.0.1', 0);
  const controllerUrl = `http://${api.address}`;
  return {
    controllerUrl,
    meshEnv: (namespace, name) => ({
      WEFT_PROXY_NAMESPACE: namespace,
      WEFT_PROXY_WORKLOAD: name,
      WEFT_PROXY_POD: `${name}-1`,
      WEFT_PROXY_SERVICE_ACCOUNT: name,
      WEFT_PROXY_CONTROLLER_URL: controllerUrl,
      WEFT_PROXY_IDENTITY_DIR: join(stateDir, 'identity'),
      WEFT_PROXY_IDENTITY_TOKEN: identity.tokens.issue({
        namespace,
        serviceAccount: name,
        workload: name,
        pod: `${name}-1`,
      }),
      WEFT_PROXY_INBOUND_HOST: '127.0.0.1',
    }),
    async close() {
      await api.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export function meshedWorkload(namespace: string, name: string): Workload {
  return {
    namespace,
    name,
    kind: 'Deployment',
    labels: {},
    serviceAccount: name,
    replicas: 1,
    readyReplicas: 1,
    meshedReplicas: 1,
    meshed: true,
    meshState: 'meshed',
    createdAt: new Date(0).toISOString(),
  };
}

/** Pod `<name>-1` of `namespace/name`, its proxy's admin at `admin`. */
export function meshedPod(namespace: string, name: string, admin: string): Pod {
  return {
    namespace,
    name: `${name}-1`,
    workload: name,
    ip: '127.0.0.1',
    phase: 'Running',
    ready: true,
    meshed: true,
    restarts: 0,
    lastExit: null,
    proxyAdmin: admin,
    startedAt: new Date().toISOString(),
  };
}

/** Waits until every proxy at `admins` is ready (holds a certificate), then for two more scrape rounds. */
export async function settle(service: MetricsService, admins: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (const admin of admins) {
    while (
      (await fetch(`http://${admin}/ready`).then(
        (r) => r.status,
        () => 0,
      )) !== 200
    ) {
      if (Date.now() > deadline) throw new Error(`proxy ${admin} not ready within 30 s`);
      await sleep(100);
    }
  }
  const target = service.scraper.rounds + 2;
  while (service.scraper.rounds < target) await sleep(50);
}

/** A started metrics service over a fixed fake platform, scraping its pods every 500 ms. */
export function scrapingService(
  namespaces: string[],
  workloads: Workload[],
  pods: () => Pod[],
): MetricsService {
  const service = new MetricsService(
    {
      listNamespaces: () => namespaces,
      listWorkloads: (ns?: string) => workloads.filter((w) => ns === undefined || w.namespace === ns),
      listPods: pods,
      watch: () => () => {},
    },
    { scrapeIntervalMs: 500, scrapeTimeoutMs: 400, retentionMs: 120_000, maxRingBytes: 16 * 1024 * 1024 },
  );
  service.start();
  return service;
}
