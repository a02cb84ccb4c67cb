/**
 * HTTP/2 (h2c prior knowledge, so gRPC): per-stream balancing over pooled sessions, on one
 * of two engines (`h2Engine`).
 */
import type { Socket } from 'node:net';
import type { ConnTarget } from '../detect/handoff.ts';
import type { H2FloodMetrics } from '../metrics/h2-floods.ts';
import type { Connector } from '../transport/connector.ts';
import { H2Proxy } from './proxy.ts';
import { H2SessionPool } from './session-pool.ts';
import type { WirePool } from './wire/pool.ts';
import { WireH2Server } from './wire/server.ts';

export { H2Proxy, type H2ProxyOptions } from './proxy.ts';
export { H2SessionPool, type H2SessionPoolOptions } from './session-pool.ts';

/** Timeouts of the HTTP/2 server, in milliseconds. */
export interface H2ServerOptions {
  /** A client connection (or a pooled endpoint session) with no activity is closed after this. */
  readonly idleTimeoutMs: number;
  /** Connecting to an endpoint (and receiving its SETTINGS) may take this long. */
  readonly connectTimeoutMs: number;
  /** A stream waits this long at most for a slot on a pooled endpoint session. */
  readonly queueTimeoutMs: number;
  /** Streams waiting for a session slot, per endpoint, at most. */
  readonly maxQueuedStreams: number;
  /** Where client connections closed past a flood limit are counted. */
  readonly floods?: H2FloodMetrics;
}

export const DEFAULT_H2_OPTIONS: H2ServerOptions = {
  idleTimeoutMs: 300_000,
  connectTimeoutMs: 10_000,
  queueTimeoutMs: 10_000,
  maxQueuedStreams: 1_000,
};

/** An HTTP/2 server for `ProtocolHandlers.serveH2`, and a way to close its endpoint sessions. */
export interface H2Server {
  serveH2(socket: Socket, head: Buffer, target: ConnTarget): void;
  /**
   * Drain, first step: GOAWAY to every client connection (no new streams; streams in
   * flight finish). `activeConnections()` then tells when they are gone.
   */
  drain(): void;
  activeConnections(): number;
  /** Closes the pooled endpoint sessions gracefully (last step of a drain). */
  close(): void;
  /** The wire engine's pooled endpoint sessions (HTTP/1 to meshed endpoints rides them); null on node. */
  readonly wirePool: WirePool | null;
}

/**
 * Which engine serves HTTP/2: `wire` (the proxy's own framing layer, `wire/` over
 * `h2wire/`) or `node` (node:http2: `proxy.ts`, `session-pool.ts`, `stream-pair.ts`).
 */
export type H2Engine = 'node' | 'wire';

/** Builds the HTTP/2 server; endpoint sessions are opened through `connector`. */
export function createH2Server(
  connector: Connector,
  options: H2ServerOptions = DEFAULT_H2_OPTIONS,
  engine: H2Engine = 'wire',
): H2Server {
  if (engine === 'wire') {
    const wire = new WireH2Server(connector, options);
    return {
      serveH2(socket: Socket, head: Buffer, target: ConnTarget): void {
        wire.serve(socket, head, target);
      },
      drain(): void {
        wire.drain();
      },
      activeConnections(): number {
        return wire.connections;
      },
      close(): void {
        wire.close();
      },
      wirePool: wire.pool,
    };
  }
  const pool = new H2SessionPool({
    connector,
    idleTimeoutMs: options.idleTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
    queueTimeoutMs: options.queueTimeoutMs,
    maxQueued: options.maxQueuedStreams,
  });
  const proxy = new H2Proxy({ pool, idleTimeoutMs: options.idleTimeoutMs, floods: options.floods ?? null });
  return {
    serveH2(socket: Socket, head: Buffer, target: ConnTarget): void {
      proxy.serve(socket, head, target);
    },
    drain(): void {
      proxy.drain();
    },
    activeConnections(): number {
      return proxy.connections;
    },
    close(): void {
      proxy.drain();
      pool.close();
    },
    wirePool: null,
  };
}
