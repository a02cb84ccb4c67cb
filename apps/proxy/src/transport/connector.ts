/**
 * Endpoint connections: how the proxy opens a transport to an endpoint. Plain TCP now;
 * the identity work swaps in a connector that speaks mTLS to meshed endpoints without
 * touching the callers, which only see a `net.Socket` they may write to at once.
 */
import { connect, type Socket } from 'node:net';

/** Where to connect, and what is known about the peer's identity. */
export interface ConnectTarget {
  readonly address: string;
  readonly port: number;
  /** Whether a Weft proxy fronts this endpoint (so mTLS can be used). */
  readonly meshed: boolean;
  /** The identity the endpoint's proxy should present, when meshed. */
  readonly identity?: string | undefined;
}

/**
 * Opens connections to endpoints. The returned socket is connecting: callers may write
 * at once (writes are queued until connected), and learn of failure from `'error'`.
 * The socket emits `'connect'` when usable. A TLS connector returns a `TLSSocket`.
 */
export interface Connector {
  connect(target: ConnectTarget): Socket;
  /** Whether connections this connector opens to `target` are mutually authenticated. */
  secured(target: ConnectTarget): boolean;
}

/** Plain TCP with Nagle off: the connector until mTLS exists. */
export class TcpConnector implements Connector {
  connect(target: ConnectTarget): Socket {
    const s = connect({ host: target.address, port: target.port, noDelay: true });
    return s;
  }

  secured(_target: ConnectTarget): boolean {
    return false;
  }
}
