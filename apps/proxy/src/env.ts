/**
 * The proxy's environment: every variable it reads, named once, parsed once with zod.
 * Nothing else in the proxy reads `process.env`; it receives a `ProxyEnv`.
 * The names and defaults are those of docs/interfaces.md.
 */
import { ErrorCode, MeshError } from '@weft/shared';
import { z } from 'zod';
import type { H2Engine } from './h2/index.ts';

export const ENV_INBOUND_HOST = 'WEFT_PROXY_INBOUND_HOST';
export const ENV_INBOUND_PORTS = 'WEFT_PROXY_INBOUND_PORTS';
export const ENV_APP_HOST = 'WEFT_PROXY_APP_HOST';
export const ENV_OUTBOUND_LISTEN = 'WEFT_PROXY_OUTBOUND_LISTEN';
export const ENV_ADMIN_LISTEN = 'WEFT_PROXY_ADMIN_LISTEN';
/** A token that allows `/shutdown` from another address than the pod's own. */
export const ENV_ADMIN_TOKEN = 'WEFT_PROXY_ADMIN_TOKEN';
export const ENV_CONTROLLER_URL = 'WEFT_PROXY_CONTROLLER_URL';
export const ENV_CONFIG = 'WEFT_PROXY_CONFIG';
export const ENV_NAMESPACE = 'WEFT_PROXY_NAMESPACE';
export const ENV_WORKLOAD = 'WEFT_PROXY_WORKLOAD';
export const ENV_POD = 'WEFT_PROXY_POD';
export const ENV_SERVICE_ACCOUNT = 'WEFT_PROXY_SERVICE_ACCOUNT';
export const ENV_IDENTITY_TOKEN = 'WEFT_PROXY_IDENTITY_TOKEN';
/** A file holding the token (a projected service-account token on Kubernetes), re-read as it rotates. */
export const ENV_IDENTITY_TOKEN_FILE = 'WEFT_PROXY_IDENTITY_TOKEN_FILE';
export const ENV_IDENTITY_DIR = 'WEFT_PROXY_IDENTITY_DIR';
export const ENV_DRAIN_GRACE_MS = 'WEFT_PROXY_DRAIN_GRACE_MS';
export const ENV_CAPTURE = 'WEFT_PROXY_CAPTURE';
/** HTTP/1 deadlines (ms), overriding the config file's `timeouts`: a request head, an idle keep-alive connection, a stalled request body. */
export const ENV_HTTP_HEADER_TIMEOUT_MS = 'WEFT_PROXY_HTTP_HEADER_TIMEOUT_MS';
export const ENV_HTTP_IDLE_TIMEOUT_MS = 'WEFT_PROXY_HTTP_IDLE_TIMEOUT_MS';
export const ENV_HTTP_BODY_TIMEOUT_MS = 'WEFT_PROXY_HTTP_BODY_TIMEOUT_MS';
/** Connections each listener keeps open at most, in total and per source address. */
export const ENV_MAX_CONNECTIONS = 'WEFT_PROXY_MAX_CONNECTIONS';
export const ENV_MAX_CONNECTIONS_PER_SOURCE = 'WEFT_PROXY_MAX_CONNECTIONS_PER_SOURCE';
/** The original-destination addon to load instead of the one built beside the proxy. */
export const ENV_ORIGINAL_DST_ADDON = 'WEFT_PROXY_ORIGINAL_DST_ADDON';
export const ENV_H2_ENGINE = 'WEFT_PROXY_H2_ENGINE';
/** `on` (default) or `off`: carry HTTP/1 requests to meshed endpoints over HTTP/2 (`mesh-h2/`). */
export const ENV_MESH_H2 = 'WEFT_PROXY_MESH_H2';

/**
 * How outbound traffic reaches the proxy: `explicit` (HTTP_PROXY / CONNECT; no root) or
 * `transparent` (iptables redirects it; the original destination names the target).
 */
export type CaptureMode = 'explicit' | 'transparent';

/** A `host:port` listen address, split. Port 0 asks the OS for one. */
export interface HostPort {
  host: string;
  port: number;
}

/** One inbound listener: listen on `public`, forward to the app on `app`. */
export interface PortPair {
  public: number;
  app: number;
}

const hostPort = z
  .string()
  .regex(/^.+:\d{1,5}$/, 'must be host:port')
  .transform((s): HostPort => {
    const i = s.lastIndexOf(':');
    return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
  })
  .refine((hp) => hp.port <= 65535, 'port must be at most 65535');

const portPairs = z.string().transform((s, ctx): PortPair[] => {
  const out: PortPair[] = [];
  for (const part of s.split(',')) {
    const m = /^\s*(\d{1,5}):(\d{1,5})\s*$/.exec(part);
    const pub = Number(m?.[1]);
    const app = Number(m?.[2]);
    if (!m || pub > 65535 || app < 1 || app > 65535) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not a public:app port pair` });
      return z.NEVER;
    }
    out.push({ public: pub, app });
  }
  return out;
});

const label = z.string().min(1).optional();
const millis = z.coerce.number().int().positive().optional();

const EnvSchema = z.object({
  [ENV_INBOUND_HOST]: z.string().min(1).default('0.0.0.0'),
  [ENV_INBOUND_PORTS]: portPairs.default([{ public: 4143, app: 8080 }]),
  [ENV_APP_HOST]: z.string().min(1).default('127.0.0.1'),
  [ENV_OUTBOUND_LISTEN]: hostPort.default({ host: '127.0.0.1', port: 4140 }),
  [ENV_ADMIN_LISTEN]: hostPort.default({ host: '127.0.0.1', port: 4191 }),
  [ENV_ADMIN_TOKEN]: z.string().min(16, 'must be at least 16 characters').optional(),
  [ENV_CONTROLLER_URL]: z.url().optional(),
  [ENV_CONFIG]: z.string().min(1).optional(),
  [ENV_NAMESPACE]: label,
  [ENV_WORKLOAD]: label,
  [ENV_POD]: label,
  [ENV_SERVICE_ACCOUNT]: label,
  [ENV_IDENTITY_TOKEN]: label,
  [ENV_IDENTITY_TOKEN_FILE]: label,
  [ENV_IDENTITY_DIR]: label,
  [ENV_DRAIN_GRACE_MS]: z.coerce.number().int().nonnegative().default(10_000),
  [ENV_CAPTURE]: z.enum(['explicit', 'transparent']).default('explicit'),
  [ENV_ORIGINAL_DST_ADDON]: label,
  [ENV_H2_ENGINE]: z.enum(['wire', 'node']).default('wire'),
  [ENV_MESH_H2]: z.enum(['on', 'off']).default('on'),
  [ENV_HTTP_HEADER_TIMEOUT_MS]: millis,
  [ENV_HTTP_IDLE_TIMEOUT_MS]: millis,
  [ENV_HTTP_BODY_TIMEOUT_MS]: millis,
  [ENV_MAX_CONNECTIONS]: z.coerce.number().int().positive().default(10_000),
  [ENV_MAX_CONNECTIONS_PER_SOURCE]: z.coerce.number().int().positive().default(1_000),
});

/** The validated environment, with the names of docs/interfaces.md turned into fields. */
export interface ProxyEnv {
  inboundHost: string;
  inboundPorts: PortPair[];
  appHost: string;
  outboundListen: HostPort;
  adminListen: HostPort;
  adminToken: string | undefined;
  controllerUrl: string | undefined;
  configFile: string | undefined;
  namespace: string | undefined;
  workload: string | undefined;
  pod: string | undefined;
  serviceAccount: string | undefined;
  identityToken: string | undefined;
  /** Where to read the token from (it wins over `identityToken`). */
  identityTokenFile: string | undefined;
  identityDir: string | undefined;
  drainGraceMs: number;
  capture: CaptureMode;
  originalDstAddon: string | undefined;
  /** What serves HTTP/2: `wire` (the proxy's own framing layer) or `node` (node:http2). */
  h2Engine: H2Engine;
  /**
   * Whether HTTP/1 requests to meshed endpoints travel as HTTP/2 streams between the
   * proxies (`WEFT_PROXY_MESH_H2`, on by default; always off with the node engine).
   */
  meshH2: boolean;
  /** HTTP/1 deadlines set here (they win over the config file's `timeouts`). */
  httpHeaderMs: number | undefined;
  httpIdleMs: number | undefined;
  httpBodyMs: number | undefined;
  /** Per-listener connection caps: beyond them a new connection is closed at once. */
  maxConnections: number;
  maxConnectionsPerSource: number;
  /** Names of the variables that were set explicitly (they win over a config file). */
  explicit: ReadonlySet<string>;
}

/**
 * Parses the proxy's environment once. Empty strings count as unset. Throws a
 * `MeshError` (`WEFT_INVALID_INPUT`) naming every bad variable.
 */
export function parseProxyEnv(source: Record<string, string | undefined>): ProxyEnv {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const v = source[key];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const r = EnvSchema.safeParse(raw);
  if (!r.success) {
    const what = r.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; ');
    throw new MeshError(ErrorCode.invalidInput, `invalid proxy environment: ${what}`);
  }
  const e = r.data;
  return {
    inboundHost: e[ENV_INBOUND_HOST],
    inboundPorts: e[ENV_INBOUND_PORTS],
    appHost: e[ENV_APP_HOST],
    outboundListen: e[ENV_OUTBOUND_LISTEN],
    adminListen: e[ENV_ADMIN_LISTEN],
    adminToken: e[ENV_ADMIN_TOKEN],
    controllerUrl: e[ENV_CONTROLLER_URL],
    configFile: e[ENV_CONFIG],
    namespace: e[ENV_NAMESPACE],
    workload: e[ENV_WORKLOAD],
    pod: e[ENV_POD],
    serviceAccount: e[ENV_SERVICE_ACCOUNT],
    identityToken: e[ENV_IDENTITY_TOKEN],
    identityTokenFile: e[ENV_IDENTITY_TOKEN_FILE],
    identityDir: e[ENV_IDENTITY_DIR],
    drainGraceMs: e[ENV_DRAIN_GRACE_MS],
    capture: e[ENV_CAPTURE],
    originalDstAddon: e[ENV_ORIGINAL_DST_ADDON],
    h2Engine: e[ENV_H2_ENGINE],
    meshH2: e[ENV_MESH_H2] === 'on' && e[ENV_H2_ENGINE] === 'wire',
    httpHeaderMs: e[ENV_HTTP_HEADER_TIMEOUT_MS],
    httpIdleMs: e[ENV_HTTP_IDLE_TIMEOUT_MS],
    httpBodyMs: e[ENV_HTTP_BODY_TIMEOUT_MS],
    maxConnections: e[ENV_MAX_CONNECTIONS],
    maxConnectionsPerSource: e[ENV_MAX_CONNECTIONS_PER_SOURCE],
    explicit: new Set(Object.keys(raw)),
  };
}
