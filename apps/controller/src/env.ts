/**
 * Every environment variable the controller reads, named once and validated once at
 * start-up. No other module reads `process.env`.
 */
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultInboundPolicy } from '@weft/shared';
import { z } from 'zod';
import { parseDuration } from './identity/duration.ts';
import type { SuppliedCaFiles } from './identity/store.ts';
import type { MetricsConfig } from './metrics/service.ts';
import { defaultProxyMain } from './platform/local/proxy-entry.ts';
import { DEFAULT_CLUSTER_NETWORKS } from './policy/compile-authz.ts';
import { cidrError } from './policy/validate-authz.ts';

/** Environment variable names. */
export const ENV = {
  apiAddr: 'WEFT_API_ADDR',
  auth: 'WEFT_AUTH',
  apiAllowedHosts: 'WEFT_API_ALLOWED_HOSTS',
  workloadTokenTtl: 'WEFT_WORKLOAD_TOKEN_TTL',
  stateDir: 'WEFT_STATE_DIR',
  platform: 'WEFT_PLATFORM',
  /** The kubeconfig of `WEFT_PLATFORM=kubernetes` (else the in-cluster service account). */
  kubeconfig: 'KUBECONFIG',
  webhookAddr: 'WEFT_WEBHOOK_ADDR',
  leaseNamespace: 'WEFT_LEASE_NAMESPACE',
  leaseDurationSeconds: 'WEFT_LEASE_DURATION_SECONDS',
  leaseRetryMs: 'WEFT_LEASE_RETRY_MS',
  podName: 'WEFT_POD_NAME',
  webhookCert: 'WEFT_WEBHOOK_CERT_FILE',
  webhookKey: 'WEFT_WEBHOOK_KEY_FILE',
  proxyImage: 'WEFT_PROXY_IMAGE',
  initImage: 'WEFT_INIT_IMAGE',
  manifests: 'WEFT_LOCAL_MANIFESTS',
  workdir: 'WEFT_LOCAL_WORKDIR',
  podOctet: 'WEFT_LOCAL_POD_OCTET',
  serviceOctet: 'WEFT_LOCAL_SERVICE_OCTET',
  proxyMain: 'WEFT_LOCAL_PROXY_MAIN',
  localCapture: 'WEFT_LOCAL_CAPTURE',
  maxRollouts: 'WEFT_LOCAL_MAX_ROLLOUTS',
  controllerUrl: 'WEFT_CONTROLLER_URL',
  logLevel: 'WEFT_LOG_LEVEL',
  scrapeIntervalMs: 'WEFT_SCRAPE_INTERVAL_MS',
  scrapeTimeoutMs: 'WEFT_SCRAPE_TIMEOUT_MS',
  metricsRetentionMs: 'WEFT_METRICS_RETENTION_MS',
  metricsMaxMb: 'WEFT_METRICS_MAX_MB',
  metricsRouteMaxMb: 'WEFT_METRICS_ROUTE_MAX_MB',
  prometheusUrl: 'WEFT_PROMETHEUS_URL',
  prometheusFileSd: 'WEFT_PROMETHEUS_FILE_SD',
  identityCertLifetime: 'WEFT_IDENTITY_CERT_LIFETIME',
  identityTrustAnchor: 'WEFT_IDENTITY_TRUST_ANCHOR_FILE',
  identityIssuerCert: 'WEFT_IDENTITY_ISSUER_CERT_FILE',
  identityIssuerKey: 'WEFT_IDENTITY_ISSUER_KEY_FILE',
  /** What ports no Server covers allow, mesh-wide (Linkerd's `proxy.defaultInboundPolicy`). */
  defaultInboundPolicy: 'WEFT_DEFAULT_INBOUND_POLICY',
  /**
   * The networks `cluster-authenticated` and `cluster-unauthenticated` accept, as CIDRs
   * separated by commas (Linkerd's `clusterNetworks`).
   */
  clusterNetworks: 'WEFT_CLUSTER_NETWORKS',
} as const;

const HostPort = z.string().regex(/^[0-9A-Za-z.-]+:\d{1,5}$/, 'must be host:port, such as 127.0.0.1:7090');

function splitHostPort(s: string) {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

const Octet = z.coerce.number().int().min(0).max(250);

const Schema = z.object({
  [ENV.apiAddr]: HostPort.default('127.0.0.1:7090'),
  [ENV.auth]: z.enum(['on', 'off']).default('on'),
  [ENV.apiAllowedHosts]: z
    .string()
    .regex(
      /^[A-Za-z0-9.-]+(,[A-Za-z0-9.-]+)*$/,
      'must be host names separated by commas, such as weft.example.com',
    )
    .optional(),
  [ENV.workloadTokenTtl]: z
    .string()
    .default('24h')
    .refine(isDuration, 'must be a duration of at least 1s, such as 24h, 90m or 60s'),
  [ENV.stateDir]: z.string().min(1).default('.weft'),
  [ENV.platform]: z.enum(['local', 'kubernetes']).default('local'),
  [ENV.kubeconfig]: z.string().min(1).optional(),
  [ENV.webhookAddr]: HostPort.default('0.0.0.0:8443'),
  [ENV.leaseNamespace]: z.string().min(1).default('weft'),
  [ENV.leaseDurationSeconds]: z.coerce.number().int().min(1).max(300).default(15),
  [ENV.leaseRetryMs]: z.coerce.number().int().min(100).max(60_000).default(2000),
  [ENV.podName]: z.string().min(1).optional(),
  [ENV.webhookCert]: z.string().min(1).optional(),
  [ENV.webhookKey]: z.string().min(1).optional(),
  [ENV.proxyImage]: z.string().min(1).default('ghcr.io/weft/proxy:0.1.0'),
  [ENV.initImage]: z.string().min(1).default('ghcr.io/weft/init:0.1.0'),
  [ENV.manifests]: z.string().min(1).default('examples/demo/manifests'),
  [ENV.workdir]: z.string().min(1).optional(),
  [ENV.podOctet]: Octet.default(0),
  [ENV.serviceOctet]: Octet.optional(),
  [ENV.proxyMain]: z.string().min(1).optional(),
  [ENV.localCapture]: z.enum(['http-proxy', 'netns']).default('http-proxy'),
  [ENV.maxRollouts]: z.coerce.number().int().min(1).max(1000).optional(),
  [ENV.controllerUrl]: z.string().url().optional(),
  [ENV.logLevel]: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  [ENV.scrapeIntervalMs]: z.coerce.number().int().min(100).max(300_000).default(5000),
  [ENV.scrapeTimeoutMs]: z.coerce.number().int().min(50).max(60_000).optional(),
  [ENV.metricsRetentionMs]: z.coerce.number().int().min(60_000).max(86_400_000).default(3_600_000),
  [ENV.metricsMaxMb]: z.coerce.number().int().min(1).max(65_536).default(64),
  [ENV.metricsRouteMaxMb]: z.coerce.number().int().min(1).max(65_536).default(16),
  [ENV.prometheusUrl]: z.string().url().optional(),
  [ENV.prometheusFileSd]: z.string().min(1).optional(),
  [ENV.identityCertLifetime]: z
    .string()
    .default('24h')
    .refine(isDuration, 'must be a duration of at least 1s, such as 24h, 90m or 60s'),
  [ENV.identityTrustAnchor]: z.string().min(1).optional(),
  [ENV.identityIssuerCert]: z.string().min(1).optional(),
  [ENV.identityIssuerKey]: z.string().min(1).optional(),
  [ENV.defaultInboundPolicy]: DefaultInboundPolicy.default('all-unauthenticated'),
  [ENV.clusterNetworks]: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      const cidrs = splitList(value);
      if (cidrs.length === 0) ctx.addIssue({ code: 'custom', message: 'must name at least one CIDR' });
      for (const cidr of cidrs) {
        const bad = cidrError(cidr);
        if (bad) ctx.addIssue({ code: 'custom', message: `${bad} (give CIDRs separated by commas)` });
      }
    }),
});

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Whether a listen host is loopback only (127.0.0.0/8, ::1 or localhost). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function isDuration(s: string): boolean {
  try {
    parseDuration(s);
    return true;
  } catch {
    return false;
  }
}

/** Host variables the processes the platform runs inherit; nothing else of the controller's env leaks. */
const HOST_PASS_THROUGH = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR'];

/** The controller's validated configuration. */
export interface ControllerEnv {
  api: { host: string; port: number };
  /** API authentication; off (`WEFT_AUTH=off`) is allowed only when the API listens on loopback. */
  auth: { enabled: boolean; allowedHosts: string[]; workloadTokenTtlMs: number };
  stateDir: string;
  /** Where workloads run: `local` (a manifest directory run as processes here) or `kubernetes`. */
  platform: 'local' | 'kubernetes';
  /** The kubeconfig file for `kubernetes`; unset there means in-cluster. */
  kubeconfig: string | undefined;
  /** Whether the controller runs as a pod (`KUBERNETES_SERVICE_HOST` is set). */
  inCluster: boolean;
  /** Leader election among controller replicas (Kubernetes only): a Lease named `weft-controller`. */
  lease: { namespace: string; durationSeconds: number; retryMs: number; identity: string };
  /** The injection webhook (Kubernetes only; served when both TLS files are given). */
  webhook: {
    host: string;
    port: number;
    certFile: string | undefined;
    keyFile: string | undefined;
    proxyImage: string;
    initImage: string;
  };
  /** Directory of Kubernetes manifests the local platform runs. */
  manifestsDir: string;
  /** Host directory a container's working directory (the image's WORKDIR) maps to. */
  workdir: string;
  /** Third octet where pod addresses (127.10.x.y) start. */
  podOctet: number;
  /** Third octet where service addresses (127.20.x.y) start. */
  serviceOctet: number;
  /** The proxy's entry point: a `.ts` file runs under tsx, a bundle as it is (platform/local/proxy-entry.ts). */
  proxyMain: string;
  /** How meshed local pods' traffic reaches their proxies: `http-proxy` (rootless) or `netns` (root, iptables). */
  localCapture: 'http-proxy' | 'netns';
  /** How many workloads the local platform rolls out at once; undefined: two per core, at least two. */
  maxRollouts: number | undefined;
  /** URL proxies use to reach this controller; defaults to the API address. */
  controllerUrl: string | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The few host variables passed on to the processes the platform runs (PATH, HOME, LANG, TZ, TMPDIR). */
  hostEnv: Record<string, string>;
  /** Scraping and the metrics backend (see metrics/service.ts). */
  metrics: MetricsConfig;
  /** The identity CA: workload certificate lifetime, and the CA files a user supplies (else generated). */
  identity: { certLifetimeMs: number; supplied: SuppliedCaFiles | undefined };
  /** The mesh-wide default inbound policy. */
  defaultInboundPolicy: DefaultInboundPolicy;
  /** The networks `cluster-*` default policies accept (`WEFT_CLUSTER_NETWORKS`, else 127/8 and the private ranges). */
  clusterNetworks: readonly string[];
}

/** The checkout this controller runs from: the proxy it launches lives there, wherever the cwd is. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function resolveProxyMain(given: string | undefined, cwd: string) {
  return given === undefined ? defaultProxyMain(REPO_ROOT) : resolve(cwd, given);
}

/** Parses `source` (default `process.env`); throws an Error naming each bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env, cwd = process.cwd()) {
  const r = Schema.safeParse(source);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new Error(`invalid environment:\n  ${lines.join('\n  ')}`);
  }
  const e = r.data;
  const caFiles = [e[ENV.identityTrustAnchor], e[ENV.identityIssuerCert], e[ENV.identityIssuerKey]];
  const given = caFiles.filter((f) => f !== undefined).length;
  if (given !== 0 && given !== 3)
    throw new Error(
      `invalid environment:\n  ${ENV.identityTrustAnchor}, ${ENV.identityIssuerCert} and ${ENV.identityIssuerKey} must be set together`,
    );
  const manifestsDir = resolve(cwd, e[ENV.manifests]);
  const api = splitHostPort(e[ENV.apiAddr]);
  if (e[ENV.auth] === 'off' && !isLoopback(api.host))
    throw new Error(
      `invalid environment:\n  ${ENV.auth}=off is allowed only on loopback, but ${ENV.apiAddr} is ${e[ENV.apiAddr]}`,
    );
  const env: ControllerEnv = {
    api,
    auth: {
      enabled: e[ENV.auth] === 'on',
      allowedHosts: (e[ENV.apiAllowedHosts] ?? '')
        .split(',')
        .filter(Boolean)
        .map((h) => h.toLowerCase()),
      workloadTokenTtlMs: parseDuration(e[ENV.workloadTokenTtl]),
    },
    stateDir: resolve(cwd, e[ENV.stateDir]),
    platform: e[ENV.platform],
    inCluster: source.KUBERNETES_SERVICE_HOST !== undefined,
    lease: {
      namespace: e[ENV.leaseNamespace],
      durationSeconds: e[ENV.leaseDurationSeconds],
      retryMs: Math.min(e[ENV.leaseRetryMs], (e[ENV.leaseDurationSeconds] * 1000) / 2),
      identity: e[ENV.podName] ?? `${hostname()}-${process.pid}`,
    },
    webhook: {
      ...splitHostPort(e[ENV.webhookAddr]),
      certFile: e[ENV.webhookCert] === undefined ? undefined : resolve(cwd, e[ENV.webhookCert] as string),
      keyFile: e[ENV.webhookKey] === undefined ? undefined : resolve(cwd, e[ENV.webhookKey] as string),
      proxyImage: e[ENV.proxyImage],
      initImage: e[ENV.initImage],
    },
    kubeconfig: e[ENV.kubeconfig] === undefined ? undefined : resolve(cwd, e[ENV.kubeconfig] as string),
    manifestsDir,
    workdir: resolve(cwd, e[ENV.workdir] ?? resolve(manifestsDir, '..')),
    podOctet: e[ENV.podOctet],
    serviceOctet: e[ENV.serviceOctet] ?? e[ENV.podOctet],
    proxyMain: resolveProxyMain(e[ENV.proxyMain], cwd),
    localCapture: e[ENV.localCapture],
    maxRollouts: e[ENV.maxRollouts],
    controllerUrl: e[ENV.controllerUrl],
    logLevel: e[ENV.logLevel],
    hostEnv: Object.fromEntries(
      HOST_PASS_THROUGH.flatMap((k) => (source[k] === undefined ? [] : [[k, source[k] as string]])),
    ),
    metrics: {
      scrapeIntervalMs: e[ENV.scrapeIntervalMs],
      scrapeTimeoutMs: e[ENV.scrapeTimeoutMs] ?? Math.min(3000, e[ENV.scrapeIntervalMs]),
      retentionMs: e[ENV.metricsRetentionMs],
      maxRingBytes: e[ENV.metricsMaxMb] * 1024 * 1024,
      maxRouteRingBytes: e[ENV.metricsRouteMaxMb] * 1024 * 1024,
      prometheusUrl: e[ENV.prometheusUrl],
      fileSdPath: resolve(
        cwd,
        e[ENV.prometheusFileSd] ?? join(e[ENV.stateDir], 'prometheus', 'targets.json'),
      ),
    },
    identity: {
      certLifetimeMs: parseDuration(e[ENV.identityCertLifetime]),
      supplied:
        given === 3
          ? {
              trustAnchor: resolve(cwd, caFiles[0] as string),
              issuerCert: resolve(cwd, caFiles[1] as string),
              issuerKey: resolve(cwd, caFiles[2] as string),
            }
          : undefined,
    },
    defaultInboundPolicy: e[ENV.defaultInboundPolicy],
    clusterNetworks: splitList(e[ENV.clusterNetworks] ?? DEFAULT_CLUSTER_NETWORKS.join(',')),
  };
  return env;
}
