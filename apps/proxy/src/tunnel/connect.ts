/**
 * CONNECT tunnels on the outbound listener: how HTTP/2, gRPC and raw TCP clients use an
 * explicit proxy (`@grpc/grpc-js` honours `grpc_proxy`/`http_proxy` this way). The
 * authority is resolved first, so that an unknown service is refused with the proxy's
 * error response rather than a tunnel to nowhere; then one balanced endpoint is
 * connected to, and only once it accepted does the client get
 * `200 Connection established` (a refused or unreachable endpoint: 502/504). The
 * tunnel's bytes then go through protocol detection again: h2 to the HTTP/2 proxy
 * (balanced per stream), HTTP/1 to the HTTP/1 path, anything else (or a server that
 * speaks first) to an opaque forward over that endpoint connection.
 */
import type { Socket } from 'node:net';
import type { ConnTarget, Http1Head, ProxyContext } from '../detect/handoff.ts';
import {
  errorResponse,
  http1ErrorResponse,
  ProxyError,
  ProxyErrorReason,
  reasonOfSocketError,
} from '../errors/respond.ts';
import { type EarlyConn, type EarlyListener, openEarly } from '../tcp/early.ts';

const ESTABLISHED = 'HTTP/1.1 200 Connection established\r\n\r\n';

/** `host:port` or `[v6]:port`, as a CONNECT request target must be (RFC 9110 §9.3.6). */
const AUTHORITY = /^(?:\[[0-9a-fA-F:.]+\]|[^\s/:@[\]]+):\d{1,5}$/;

/** `ProtocolHandlers.serveConnect`: answers a CONNECT and serves what the tunnel carries. */
export function serveConnect(
  socket: Socket,
  req: Http1Head,
  rest: Buffer,
  ctx: ProxyContext,
  connectMs: number,
): void {
  socket.on('error', destroyOnError);
  if (ctx.draining) {
    refuse(socket, new ProxyError(ProxyErrorReason.draining, 'the proxy is shutting down'));
    return;
  }
  const authority = req.target;
  if (!AUTHORITY.test(authority) || Number(authority.slice(authority.lastIndexOf(':') + 1)) > 65535) {
    refuse(
      socket,
      new ProxyError(ProxyErrorReason.unresolvable, `CONNECT target "${authority}" is not host:port`),
    );
    return;
  }
  let target: ConnTarget;
  try {
    target = ctx.target(authority);
  } catch (error) {
    refuse(socket, error);
    return;
  }
  const { concrete } = target;
  concrete.retain();
  socket.once('close', concrete.release.bind(concrete));
  concrete.whenReady((err) => {
    if (socket.destroyed) return;
    if (err !== null) {
      refuse(socket, err);
      return;
    }
    const early = openEarly(concrete, ctx.connector, connectMs);
    if (early === null) {
      refuse(socket, new ProxyError(ProxyErrorReason.noEndpoints, `no endpoint for ${authority}`));
      return;
    }
    early.listener = new PendingTunnel(socket, rest, ctx, target);
    socket.once('close', early.drop.bind(early));
  });
}

/** A CONNECT waiting for its endpoint to accept before it is answered. */
class PendingTunnel implements EarlyListener {
  constructor(
    readonly socket: Socket,
    readonly rest: Buffer,
    readonly ctx: ProxyContext,
    readonly target: ConnTarget,
  ) {}

  earlyConnected(e: EarlyConn): void {
    this.established(e);
  }

  earlySpoke(e: EarlyConn): void {
    // (after earlyConnected, which hands the listener to detection; kept for safety)
    this.established(e);
  }

  earlyFailed(e: EarlyConn): void {
    const reason = reasonOfSocketError(e.error, false);
    refuse(this.socket, new ProxyError(reason, `cannot reach ${this.target.authority}`));
  }

  private established(e: EarlyConn): void {
    const socket = this.socket;
    e.listener = null;
    if (socket.destroyed) {
      e.drop();
      return;
    }
    socket.write(ESTABLISHED);
    // The socket came paused; `resume` takes effect on the next tick, after detection
    // (or the server it dispatches to) has attached its listeners or paused it again.
    socket.resume();
    this.ctx.detect(socket, this.rest, this.target, e);
  }
}

/** Answers the CONNECT with the proxy's error response and closes the connection. */
function refuse(socket: Socket, error: unknown): void {
  if (socket.destroyed) return;
  socket.once('finish', destroySelf);
  socket.end(http1ErrorResponse(errorResponse(error).reason, true));
}

function destroyOnError(this: Socket): void {
  this.destroy();
}

function destroySelf(this: Socket): void {
  this.destroy();
}
