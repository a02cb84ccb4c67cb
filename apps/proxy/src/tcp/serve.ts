/**
 * The opaque-TCP protocol server: what detection hands a connection to when it is not
 * HTTP (or is TLS the proxy does not terminate). Picks one endpoint of the target per
 * connection (waiting for the first resolution if needed) and forwards the bytes. An
 * inbound connection the port's authorization does not let in is reset at once.
 */
import type { Socket } from 'node:net';
import type { Concrete } from '../balance/types.ts';
import type { ConnTarget } from '../detect/handoff.ts';
import { meshTls } from '../tls/peer.ts';
import type { EarlyConn } from './early.ts';
import { forwardTcp, type TcpForwardOptions } from './forward.ts';

/** Defaults: an endpoint gets 10 s to accept; a silent connection is closed after an hour. */
export const DEFAULT_TCP_OPTIONS: TcpForwardOptions = { connectTimeoutMs: 10_000, idleTimeoutMs: 3_600_000 };

/** Serves opaque connections with `options`; the result is `ProtocolHandlers.serveOpaque`. */
export function createOpaqueServer(
  options: TcpForwardOptions = DEFAULT_TCP_OPTIONS,
): (socket: Socket, head: Buffer, target: ConnTarget, early?: EarlyConn | null) => void {
  return function serveOpaque(
    socket: Socket,
    head: Buffer,
    target: ConnTarget,
    early?: EarlyConn | null,
  ): void {
    socket.on('error', destroyOnError);
    if (target.ctx.direction === 'inbound') {
      if (!authorized(socket, target)) {
        early?.drop();
        refuseConnection(socket);
        return;
      }
      countCaller(socket, target);
    }
    if (early != null && !early.failed) {
      // the endpoint connection opened during detection (its server may have spoken already)
      forwardTcp(socket, head, early.endpoint, target.ctx.connector, options, early);
      return;
    }
    const endpoint = target.concrete.pick();
    if (endpoint !== undefined) {
      forwardTcp(socket, head, endpoint, target.ctx.connector, options);
      return;
    }
    // Not resolved yet (or empty): wait for the first endpoint set, then try once more.
    target.concrete.retain();
    target.concrete.whenReady((err) => {
      target.concrete.release();
      const late = err === null ? pickOrNull(target.concrete) : null;
      if (late === null || socket.destroyed) socket.destroy();
      else forwardTcp(socket, head, late, target.ctx.connector, options);
    });
  };
}

/**
 * Refuses an accepted connection: a plain TCP connection with a reset; a terminated mTLS
 * connection is closed (a TLS socket cannot be reset: `resetAndDestroy` throws on it,
 * and resetting the TCP socket under a live TLS session crashes the process).
 */
export function refuseConnection(socket: Socket): void {
  socket.on('error', destroyOnError);
  if ((socket as Socket & { encrypted?: boolean }).encrypted === true) socket.destroy();
  else socket.resetAndDestroy();
}

/** Whether the port's policy lets this connection's caller in (counted either way); true with no policy. */
function authorized(socket: Socket, target: ConnTarget): boolean {
  const inbound = target.policy.inbound;
  return inbound == null || inbound.authorizer.admitTcp(meshTls(socket)?.peerIdentity, socket.remoteAddress);
}

/**
 * An inbound connection from a meshed caller (mTLS) is counted in the inbound TCP
 * families with its `client_id`, as its HTTP requests would be.
 */
function countCaller(socket: Socket, target: ConnTarget): void {
  const clientId = meshTls(socket)?.peerIdentity;
  if (clientId === undefined) return;
  const tcp = target.ctx.inboundMetrics(target.authority, '', '', clientId).tcp;
  tcp.open(socket);
  socket.once('close', () => tcp.close(socket));
}

function pickOrNull(concrete: Concrete) {
  return concrete.pick() ?? null;
}

function destroyOnError(this: Socket): void {
  this.destroy();
}
