/**
 * Wires identity into a proxy at start-up: from the environment, an identity manager
 * (certificate before ready, renewal), the mTLS connector for outbound, the `serveTls`
 * hook for inbound, and the metrics. With identity off (no token, say) the proxy runs
 * plaintext only and is ready without a certificate.
 */
import type { Registry } from 'prom-client';
import type { ProtocolHandlers } from '../detect/handoff.ts';
import type { ProxyEnv } from '../env.ts';
import { MtlsConnector } from '../tls/connector.ts';
import { MtlsServer } from '../tls/server.ts';
import type { Connector } from '../transport/connector.ts';
import { identityOptionsFromEnv } from './config.ts';
import { IdentityManager } from './manager.ts';
import { IdentityMetrics } from './metrics.ts';
import { registerIdentityMetrics } from './prom.ts';
import { watchIdentity } from './watch.ts';

/** What `startProxy` takes from identity, and how to run it. */
export interface ProxyIdentity {
  /** Undefined when identity is off. */
  manager: IdentityManager | undefined;
  connector: Connector | undefined;
  handlers: Partial<ProtocolHandlers>;
  /** Whether a certificate is held (always true when identity is off). */
  ready(): boolean;
  /** The identity inbound mTLS is served as, while a certificate is held; else undefined. */
  tlsIdentity(): string | undefined;
  /** Adds the identity metrics to the proxy's registry. */
  register(registry: Registry, own: Record<string, string>): void;
  /**
   * Starts obtaining the certificate (in the background; `ready()` says when it is held).
   * Resolves once that start-up work is over: the first certificate held (at once when
   * identity is off), or identity stopped before one was. Never rejects.
   */
  start(): Promise<void>;
  stop(): void;
}

/** Builds the proxy's identity from its environment; `log` takes one line. */
export async function setupIdentity(
  env: ProxyEnv,
  log: (line: string) => void,
  /** The current workload token (renewed while the proxy runs); default: the env's. */
  token?: () => string,
): Promise<ProxyIdentity> {
  const metrics = new IdentityMetrics();
  const r = await identityOptionsFromEnv(env);
  if ('disabled' in r) {
    log(`identity: off (${r.disabled}); mTLS is not used`);
    return {
      manager: undefined,
      connector: undefined,
      handlers: {},
      ready: () => true,
      tlsIdentity: () => undefined,
      register: (registry, own) => registerIdentityMetrics(registry, metrics, own),
      start: () => Promise.resolve(),
      stop: () => {},
    };
  }
  if (!r.options.trustAnchorsPem)
    log('identity: no trust anchor in WEFT_PROXY_IDENTITY_DIR; trusting the anchors the controller returns');
  const manager = new IdentityManager({
    ...r.options,
    ...(token ? { token } : {}),
    metrics,
    log: (level, m) => log(`identity ${level}: ${m}`),
  });
  const tlsLog = (level: string, m: string) => log(`tls ${level}: ${m}`);
  const connector = new MtlsConnector({ credentials: manager, metrics, log: tlsLog });
  const server = new MtlsServer({ credentials: manager, identity: manager.identity, metrics, log: tlsLog });
  const currentToken = token ?? (() => r.options.token as string);
  let watch: { close(): void } | undefined;
  return {
    manager,
    connector,
    handlers: { serveTls: server.serveTls },
    ready: () => manager.ready,
    tlsIdentity: () => (manager.ready ? manager.identity : undefined),
    register: (registry, own) => registerIdentityMetrics(registry, metrics, own),
    start: () =>
      manager.start().then(
        () => {
          if (manager.current && !watch)
            watch = watchIdentity(manager, {
              controllerUrl: r.options.controllerUrl,
              authorization: () => `Bearer ${currentToken()}`,
              log,
            });
        },
        () => {},
      ),
    stop: () => {
      watch?.close();
      manager.stop();
    },
  };
}
