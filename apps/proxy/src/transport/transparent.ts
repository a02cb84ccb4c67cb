/**
 * The outbound listener's accept function in transparent mode: a connection that
 * iptables redirected here goes to the target its original destination resolves to (an
 * IP:port of a Service resolves like an explicit-proxy authority; other addresses are
 * forwarded as they are), held in the cache while the connection lives. A connection made
 * straight to the listener (its original destination is the listener itself) is served
 * as an explicit-proxy connection: HTTP/1 requests name their own authority.
 */
import type { Socket } from 'node:net';
import type { ConnTarget, ProxyContext } from '../detect/handoff.ts';
import type { OriginalDst } from './original-dst.ts';

const EMPTY = Buffer.alloc(0);

/** Builds the accept function once per listener. */
export function transparentAccept(ctx: ProxyContext, originalDst: OriginalDst): (socket: Socket) => void {
  return (socket) => {
    const dst = originalDst(socket);
    if (dst === null || dst === localAuthority(socket)) {
      ctx.detect(socket, EMPTY, null);
      return;
    }
    const target = ctx.target(dst);
    const concrete = target.concrete;
    concrete.retain();
    socket.once('close', concrete.release.bind(concrete));
    ctx.detect(socket, EMPTY, target);
  };
}

function localAuthority(socket: Socket): string {
  const host = socket.localAddress ?? '';
  return `${host.includes(':') ? `[${host}]` : host}:${socket.localPort}`;
}

/** One inbound pair: the app port it forwards to, its listener context and fixed target. */
export interface InboundChoice {
  appPort: number;
  ctx: ProxyContext;
  target: ConnTarget;
}

/**
 * The accept function of an inbound listener that iptables feeds with every port of the
 * pod: the original destination's port picks the pair forwarding to that app port (the
 * first pair when none matches, or when the connection was not redirected).
 */
export function transparentInbound(
  choices: InboundChoice[],
  originalDst: OriginalDst,
): (socket: Socket) => void {
  const byPort = new Map<number, InboundChoice>();
  for (const c of choices) if (!byPort.has(c.appPort)) byPort.set(c.appPort, c);
  const first = choices[0] as InboundChoice;
  return (socket) => {
    const dst = originalDst(socket);
    const port = dst === null ? 0 : Number(dst.slice(dst.lastIndexOf(':') + 1));
    const c = byPort.get(port) ?? first;
    c.ctx.detect(socket, EMPTY, c.target);
  };
}
