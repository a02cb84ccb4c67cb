/**
 * HTTP/1.1 `Upgrade` (WebSocket and the like): the request is sent to one balanced
 * endpoint and, from then on, the connection is a bidirectional tunnel to it. The
 * endpoint's answer (the `101 Switching Protocols`, or a refusal) reaches the client
 * unchanged; a failure to reach the endpoint becomes the proxy's 502/504.
 */
import type { Socket } from 'node:net';
import type { ConnTarget, Http1Head } from '../detect/handoff.ts';
import { http1ErrorResponse, ProxyErrorReason } from '../errors/respond.ts';
import { SRC_HEADER } from '../http/parser.ts';
import { forwardTcp, type TcpForwardOptions } from '../tcp/index.ts';

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
): (socket: Socket, req: Http1Head, rest: Buffer, target: ConnTarget) => void {
  const forward: TcpForwardOptions = { ...options, upgrade: true };
  return function serveUpgrade(socket: Socket, req: Http1Head, rest: Buffer, target: ConnTarget): void {
    socket.on('error', destroyOnError);
    const head = upgradeHead(req);
    const prefix = rest.length > 0 ? Buffer.concat([head, rest]) : head;
    const endpoint = target.concrete.pick();
    if (endpoint !== undefined) {
      forwardTcp(socket, prefix, endpoint, target.ctx.connector, forward);
      return;
    }
    target.concrete.retain();
    target.concrete.whenReady((err) => {
      target.concrete.release();
      if (socket.destroyed) return;
      const late = err === null ? target.concrete.pick() : undefined;
      if (late !== undefined) {
        forwardTcp(socket, prefix, late, target.ctx.connector, forward);
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
