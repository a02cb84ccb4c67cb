/**
 * The hand-off between the proxy core and the protocol servers. Detection decides what a
 * connection (or a CONNECT tunnel) speaks and calls one `ProtocolHandlers` function with
 * the socket, the bytes already read, and where the connection goes. See README.md
 * "stack and hand-offs".
 */
import type { Socket } from 'node:net';
import type { Direction } from '@weft/shared';
import type { Concrete } from '../balance/types.ts';
import type { TargetMetrics } from '../metrics/handles.ts';
import type { RequestStack } from '../stack/pipeline.ts';
import type { PolicyRef } from '../stack/plan-view.ts';
import type { EarlyConn } from '../tcp/early.ts';
import type { Connector } from '../transport/connector.ts';

type DirectionValue = (typeof Direction)[keyof typeof Direction];

/** A connection whose destination authority is known, resolved and balanced. */
export interface ConnTarget {
  readonly ctx: ProxyContext;
  /** `host:port`: what the client named (outbound) or the app's address (inbound). */
  readonly authority: string;
  /** The destination's endpoints and balancer. Inbound: the app, one endpoint. */
  readonly concrete: Concrete;
  /** The traffic policy in force for it (routes outbound, rate limit inbound). */
  readonly policy: PolicyRef;
}

/** A parsed HTTP/1 request head handed to a protocol server (CONNECT or Upgrade). */
export interface Http1Head {
  readonly method: string;
  /** The request target as sent: `host:port` for CONNECT, a path or absolute URI otherwise. */
  readonly target: string;
  /** Header names (lower-cased) and values in order: [name0, value0, name1, value1, ...]. */
  readonly headers: readonly string[];
  /** The head's raw bytes, as received (to forward an Upgrade request unchanged). */
  readonly raw: Buffer;
}

/**
 * What each protocol server exports. `head` holds the bytes read before the hand-off
 * (detection's sniffed prefix, or what followed an HTTP/1 head): replay it first. The
 * socket arrives paused with no listeners of ours: attach yours, then `socket.resume()`.
 * Each handler owns the socket from then on: it must handle its errors and close it.
 */
export interface ProtocolHandlers {
  /** HTTP/2 prior knowledge: `head` starts with the h2c preface. Inbound or inside a tunnel. */
  serveH2(socket: Socket, head: Buffer, target: ConnTarget): void;
  /**
   * Opaque TCP (and, until mTLS, TLS): relay bytes to one endpoint picked from
   * `target.concrete`, or over `early` (opened during detection; its server's first bytes
   * go to the client first).
   */
  serveOpaque(socket: Socket, head: Buffer, target: ConnTarget, early?: EarlyConn | null): void;
  /**
   * An HTTP/1 `CONNECT host:port` on the outbound listener. Answer it, then call
   * `ctx.detect(socket, rest, ctx.target(authority), early)` to serve what the tunnel
   * carries (`early`: the endpoint connection that proved the target reachable).
   */
  serveConnect(socket: Socket, req: Http1Head, rest: Buffer, ctx: ProxyContext): void;
  /**
   * An HTTP/1.1 request with `Upgrade` (WebSocket) for `target` (already resolved; the
   * request is in origin form in `req.target`). Forward it to an endpoint, relay the 101
   * and then the bytes both ways; any other answer is relayed and the connection goes
   * back to HTTP/1 (`ctx.resumeHttp1(socket, rest, fixed)`; `fixed`: the HTTP/1
   * server's own target, null on the explicit-proxy listener).
   */
  serveUpgrade(
    socket: Socket,
    req: Http1Head,
    rest: Buffer,
    target: ConnTarget,
    fixed: ConnTarget | null,
  ): void;
  /**
   * Inbound TLS (a ClientHello was sniffed): the hook where meshed mTLS is terminated,
   * then `ctx.detect(tlsSocket, EMPTY, target)` serves the plaintext. Absent: opaque.
   */
  serveTls?(socket: Socket, head: Buffer, target: ConnTarget): void;
}

/** One listener's view of the proxy: what every layer needs, built once at start-up. */
export interface ProxyContext {
  readonly direction: DirectionValue;
  readonly connector: Connector;
  readonly handlers: ProtocolHandlers;
  /** The (cached) target for an authority. Outbound: resolved through discovery. */
  target(authority: string): ConnTarget;
  /**
   * Detects the protocol of `socket` (an accepted connection or a tunnel) from `head`
   * plus what it reads next, and dispatches it to `target`. `target` null means "the
   * outbound explicit-proxy listener": HTTP/1 requests name their own authority.
   * `early`: an endpoint connection already open (a CONNECT's); without one, detection
   * opens one itself when the client stays silent, so a server that speaks first is
   * heard at once. It is used if the connection turns out opaque, else closed.
   */
  detect(socket: Socket, head: Buffer, target: ConnTarget | null, early?: EarlyConn | null): void;
  /**
   * Serves HTTP/1 on `socket` again (an Upgrade the endpoint refused: the connection goes
   * back to parsing requests); `head` holds bytes already read. `target` as for `detect`.
   */
  resumeHttp1(socket: Socket, head: Buffer, target: ConnTarget | null): void;
  /**
   * Metrics for traffic this proxy accepts on behalf of `authority` (inbound: the app;
   * labels direction, own workload, authority, src_* when known, tls; `clientId` is the
   * identity a meshed caller proved over mTLS: `tls="true"` and `client_id`; `srcAddr` is
   * a plaintext caller's source address, labelled `src_addr`).
   */
  inboundMetrics(
    authority: string,
    srcNamespace: string,
    srcDeployment: string,
    clientId?: string,
    srcAddr?: string,
  ): TargetMetrics;
  /** This direction's request pipeline (`stack/outbound.ts`, `stack/inbound.ts`), for every protocol. */
  readonly stack: RequestStack;
  /** Whether the proxy is draining (stop opening new work on kept-alive connections). */
  readonly draining: boolean;
}
