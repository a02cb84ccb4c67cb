/**
 * The HTTP/1 server's hand-offs: a CONNECT (to the tunnel server) or an Upgrade request
 * (to the WebSocket relay), with the head as parsed and the bytes read after it.
 */
import type { Socket } from 'node:net';
import type { ConnTarget, Http1Head } from '../detect/handoff.ts';
import type { HttpContext } from './context.ts';
import type { Http1Parser } from './parser.ts';

/**
 * `upgradeTarget` null: a CONNECT; else an Upgrade to that target, its origin-form `path`
 * (`fixed`: the server connection's own target, for going back to HTTP/1 after a refusal).
 */
export function handOff(
  ctx: HttpContext,
  socket: Socket,
  p: Http1Parser,
  rest: Buffer,
  upgradeTarget: ConnTarget | null,
  path: string,
  fixed: ConnTarget | null,
): void {
  const raw = Buffer.from(p.head, 'latin1');
  try {
    if (upgradeTarget === null) {
      const head: Http1Head = { method: p.method, target: p.target, headers: p.headers, raw };
      ctx.handlers.serveConnect(socket, head, rest, ctx);
    } else {
      const head: Http1Head = { method: p.method, target: path, headers: p.headers, raw };
      ctx.handlers.serveUpgrade(socket, head, rest, upgradeTarget, fixed);
    }
  } catch {
    socket.destroy();
  }
}
