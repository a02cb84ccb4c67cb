/**
 * The protocol servers this proxy hands connections to after detection, composed into
 * one `ProtocolHandlers`: HTTP/2 (`h2/`), opaque TCP (`tcp/`), CONNECT tunnels and
 * Upgrade (`tunnel/`). Built once at start-up with the proxy's connector.
 */
import type { ProtocolHandlers } from '../detect/handoff.ts';
import {
  createH2Server,
  DEFAULT_H2_OPTIONS,
  type H2Engine,
  type H2Server,
  type H2ServerOptions,
} from '../h2/index.ts';
import { createOpaqueServer, DEFAULT_TCP_OPTIONS, type TcpForwardOptions } from '../tcp/index.ts';
import type { Connector } from '../transport/connector.ts';
import { serveConnect } from './connect.ts';
import { createUpgradeServer } from './upgrade.ts';

export interface ProtocolServersOptions {
  readonly h2?: H2ServerOptions;
  /** What serves HTTP/2 (default: the proxy's own framing layer). */
  readonly h2Engine?: H2Engine;
  /** Opaque forwards and Upgrade tunnels. */
  readonly tcp?: TcpForwardOptions;
}

/**
 * The handlers, plus drain hooks: `drain()` at the start of a drain (GOAWAY to HTTP/2
 * clients), `activeConnections()` (HTTP/2 client connections still open) to wait on,
 * and `close()` at the end (ends pooled HTTP/2 endpoint sessions).
 */
export type ProtocolServers = Omit<ProtocolHandlers, 'serveTls'> & {
  /** The wire engine's pooled HTTP/2 endpoint sessions; null on the node engine. */
  readonly wirePool: H2Server['wirePool'];
  drain(): void;
  activeConnections(): number;
  close(): void;
};

/** Builds every non-HTTP/1 protocol server over `connector`. */
export function createProtocolServers(
  connector: Connector,
  options: ProtocolServersOptions = {},
): ProtocolServers {
  const h2 = createH2Server(connector, options.h2 ?? DEFAULT_H2_OPTIONS, options.h2Engine);
  const tcp = options.tcp ?? DEFAULT_TCP_OPTIONS;
  return {
    serveH2: h2.serveH2,
    serveOpaque: createOpaqueServer(tcp),
    serveConnect: (socket, req, rest, ctx) => serveConnect(socket, req, rest, ctx, tcp.connectTimeoutMs),
    serveUpgrade: createUpgradeServer(tcp),
    wirePool: h2.wirePool,
    drain: h2.drain,
    activeConnections: h2.activeConnections,
    close: h2.close,
  };
}
