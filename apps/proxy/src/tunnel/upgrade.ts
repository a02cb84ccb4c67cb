/**
 * HTTP/1.1 `Upgrade` (WebSocket and the like): the request is sent to one balanced
 * endpoint (`upgrade-relay.ts`). On its `101 Switching Protocols` the connection becomes
 * a bidirectional tunnel to it; any other answer reaches the client unchanged and the
 * connection goes back to HTTP/1 parsing. A failure to reach the endpoint becomes the
 * proxy's 502/504.
 */
import type { Socket } from 'node:net';
import type { ConnTarget, Http1Head } from '../detect/handoff.ts';
import { http1ErrorResponse, ProxyErrorReason } from '../errors/respond.ts';
import { SRC_HEADER } from '../http/parser.ts';
import type { TcpForwardOptions } from '../tcp/index.ts';
import { UpgradeRelay } from './upgrade-relay.ts';

/**
 * Headers meant for this proxy, not for the endpoint; and `weft-src`, which only a proxy
 * may set (a client sending its own would claim another workload's identity).
 */
const PROXY_ONLY = new Set(['proxy-connection', 'proxy-authorization', SRC_HEADER]);

/** The request head sent to the endpoint: origin form, the client's headers less the proxy's own. */
export function upgradeHead(req: Http1Head): Buffer {
  let head = `${req.method} ${req.target} HTTP/1.1\r\n`;
  const h = req.headers;
  for (let i = 0; i + 1 < h.length; i += 2) {
    const name = h[i] as string;
    if (!PROXY_ONLY.has(name)) head += `${name}: ${h[i + 1] as string}\r\n`;
  }
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/** Serves Upgrade requests with `options`; the result is `ProtocolHandlers.serveUpgrade`. */
export function createUpgradeServer(
  options: TcpForwardOptions,
): (socket: Socket, req: Http1Head, rest: Buffer, target: ConnTarget, fixed: ConnTarget | null) => void {
  return function serveUpgrade(
    socket: Socket,
    req: Http1Head,
    rest: Buffer,
    target: ConnTarget,
    fixed: ConnTarget | null,
  ): void {
    socket.on('error', destroyOnError);
    const head = upgradeHead(req);
    const endpoint = target.concrete.pick();
    if (endpoint !== undefined) {
      new UpgradeRelay(socket, head, rest, endpoint, target, fixed, options);
      return;
    }
    target.concrete.retain();
    target.concrete.whenReady((err) => {
      target.concrete.release();
      if (socket.destroyed) return;
      const late = err === null ? target.concrete.pick() : undefined;
      if (late !== undefined) {
        new UpgradeRelay(socket, head, rest, late, target, fixed, options);
        return;
      }
      socket.once('finish', destroySelf);
      socket.end(http1ErrorResponse(ProxyErrorReason.noEndpoints, true));
    });
  };
}

function destroyOnError(this: Socket): void {
  this.destroy();
}

function destroySelf(this: Socket): void {
  this.destroy();
}
