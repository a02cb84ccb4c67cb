/**
 * The proxy's effective settings: the validated environment, overlaid by a static config
 * file's listeners where the environment did not set them, plus the file's destinations,
 * routes and timeouts. Read once at start-up.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, MeshError, ProxyConfig } from '@weft/shared';
import {
  ENV_ADMIN_LISTEN,
  ENV_APP_HOST,
  ENV_INBOUND_HOST,
  ENV_INBOUND_PORTS,
  ENV_OUTBOUND_LISTEN,
  type HostPort,
  type PortPair,
  type ProxyEnv,
} from '../env.ts';

export interface ProxySettings {
  env: ProxyEnv;
  config: ProxyConfig;
  inboundHost: string;
  appHost: string;
  inboundPorts: PortPair[];
  outboundListen: HostPort;
  adminListen: HostPort;
}

function hostPort(s: string): HostPort {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
}

/** Reads and validates a static config file; a `MeshError` names the file and the bad field. */
export function loadConfigFile(path: string): ProxyConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new MeshError(
      ErrorCode.invalidInput,
      `cannot read proxy config ${path}: ${(err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MeshError(
      ErrorCode.invalidInput,
      `proxy config ${path} is not JSON: ${(err as Error).message}`,
    );
  }
  return parseConfig(json, path);
}

/** Validates a config object. */
export function parseConfig(json: unknown, source = 'config'): ProxyConfig {
  const r = ProxyConfig.safeParse(json);
  if (!r.success) {
    const what = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new MeshError(ErrorCode.invalidInput, `invalid proxy config ${source}: ${what}`);
  }
  return r.data;
}

/** Overlays a config on the environment: explicitly set variables win. */
export function settingsFrom(env: ProxyEnv, config: ProxyConfig): ProxySettings {
  const set = (name: string) => env.explicit.has(name);
  const t = config.timeouts;
  const timeouts = {
    ...t,
    headerMs: env.httpHeaderMs ?? t.headerMs,
    idleMs: env.httpIdleMs ?? t.idleMs,
    bodyMs: env.httpBodyMs ?? t.bodyMs,
  };
  return {
    env,
    config: { ...config, timeouts },
    inboundHost: !set(ENV_INBOUND_HOST) && config.inbound?.host ? config.inbound.host : env.inboundHost,
    appHost: !set(ENV_APP_HOST) && config.inbound?.appHost ? config.inbound.appHost : env.appHost,
    inboundPorts: !set(ENV_INBOUND_PORTS) && config.inbound?.ports ? config.inbound.ports : env.inboundPorts,
    outboundListen:
      !set(ENV_OUTBOUND_LISTEN) && config.outbound ? hostPort(config.outbound.listen) : env.outboundListen,
    adminListen: !set(ENV_ADMIN_LISTEN) && config.admin ? hostPort(config.admin.listen) : env.adminListen,
  };
}
