/**
 * Endpoint connections: how the proxy opens a transport to an endpoint. Plain TCP now;
 * the identity work swaps in a connector that speaks mTLS to meshed endpoints without
 * touching the callers, which only see a `net.Socket` they may write to at once.
 */
import { connect, type Socket } from 'node:net';
import type { MeshAlpn } from '@weft/shared';

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
  /**
   * `alpn` names the application protocol the connection will carry (`http/1.1`, `h2`,
   * `weft.dev/opaque`); a TLS connector offers it, so the peer proxy need not sniff.
   */
  connect(target: ConnectTarget, alpn?: MeshAlpn, read?: ReadInto): Socket;
  /** Whether connections this connector opens to `target` are mutually authenticated. */
  secured(target: ConnectTarget): boolean;
  /**
   * Counts the changes of the certificate secured connections are opened with (renewals):
   * a connection opened while it was lower carries an old certificate. Absent: it never changes.
   */
  readonly epoch?: number;
  /** Calls `fn` after each change of `epoch`; returns an unsubscribe function. */
  onRenewal?(fn: () => void): () => void;
}

/**
 * Optional zero-allocation reads (Node's `onread`): the socket reads into `buffer`
 * (called before each read, with `this` the socket) and hands each read to `callback`
 * instead of emitting `'data'`. A connector that cannot honour it ignores it, and the
 * caller then gets `'data'` events as usual.
 */
export interface ReadInto {
  buffer: (this: Socket) => Buffer;
  callback: (this: Socket, nread: number, buf: Buffer) => void;
}

const kConnectPhase = Symbol.for('weft.connect-phase');

/**
 * Marks `err` as a failure to establish the connection (a TLS handshake the peer did not
 * complete, say): no request byte reached the endpoint, so the request may go elsewhere.
 */
export function markConnectFailure(err: Error): void {
  (err as Error & { [kConnectPhase]?: true })[kConnectPhase] = true;
}

/** Whether `err` was marked by `markConnectFailure`. */
export function isMarkedConnectFailure(err: unknown): boolean {
  return (err as { [kConnectPhase]?: true } | null)?.[kConnectPhase] === true;
}

/** Plain TCP with Nagle off: the connector until mTLS exists. */
export class TcpConnector implements Connector {
  connect(target: ConnectTarget, _alpn?: MeshAlpn, read?: ReadInto): Socket {
    if (read !== undefined) {
      return connect({
        host: target.address,
        port: target.port,
        noDelay: true,
        onread: read as unknown as { buffer: () => Buffer; callback: (n: number, b: Buffer) => boolean },
      });
    }
    return connect({ host: target.address, port: target.port, noDelay: true });
  }

  secured(_target: ConnectTarget): boolean {
    return false;
  }
}
