/**
 * Runs protocol detection on a socket and dispatches it: reads until `sniff` decides
 * (or the detection timeout passes: opaque, so server-speaks-first protocols do not
 * wait long), then calls the HTTP/1 server or a protocol handler. One detection object
 * per connection; handlers are module-level functions reading its fields.
 */
import type { Socket } from 'node:net';
import type { ConnTarget, ProxyContext } from './handoff.ts';
import { Protocol, SNIFF_MAX, sniff } from './protocol.ts';

/** The HTTP/1 server the detector hands HTTP/1.x connections to (set by the stack). */
export type ServeHttp1 = (socket: Socket, head: Buffer, ctx: ProxyContext, target: ConnTarget | null) => void;

const kDetect = Symbol('weft.detect');

interface Detection {
  socket: Socket;
  ctx: ProxyContext;
  target: ConnTarget | null;
  buf: Buffer;
  timer: NodeJS.Timeout | null;
  serveHttp1: ServeHttp1;
}

type DetectSocket = Socket & { [kDetect]?: Detection | null };

const EMPTY = Buffer.alloc(0);

/**
 * Starts detection on `socket`. `head` holds bytes already read (from a tunnel's
 * request, say). `timeoutMs` bounds the wait for the first decisive bytes.
 */
export function detectProtocol(
  socket: Socket,
  head: Buffer,
  ctx: ProxyContext,
  target: ConnTarget | null,
  timeoutMs: number,
  serveHttp1: ServeHttp1,
): void {
  const decided = head.length > 0 ? sniff(head) : undefined;
  if (decided !== undefined) {
    dispatch(socket, head, decided, ctx, target, serveHttp1);
    return;
  }
  const d: Detection = { socket, ctx, target, buf: head, timer: null, serveHttp1 };
  (socket as DetectSocket)[kDetect] = d;
  socket.on('data', onDetectData);
  socket.on('error', onDetectError);
  socket.on('end', onDetectEnd);
  socket.resume();
  d.timer = setTimeout(onDetectTimeout, timeoutMs, d);
}

function onDetectData(this: DetectSocket, chunk: Buffer): void {
  const d = this[kDetect];
  if (!d) return;
  d.buf = d.buf.length === 0 ? chunk : Buffer.concat([d.buf, chunk]);
  let p = sniff(d.buf);
  if (p === undefined && d.buf.length >= SNIFF_MAX) p = Protocol.Opaque;
  if (p !== undefined) finish(d, p);
}

function onDetectTimeout(d: Detection): void {
  d.timer = null;
  finish(d, Protocol.Opaque);
}

function onDetectError(this: DetectSocket): void {
  const d = this[kDetect];
  if (d) stop(d);
  this.destroy();
}

function onDetectEnd(this: DetectSocket): void {
  const d = this[kDetect];
  if (!d) return;
  // The client half-closed before we could tell: relay what it sent as opaque bytes.
  finish(d, d.buf.length > 0 ? (sniff(d.buf) ?? Protocol.Opaque) : Protocol.Opaque);
}

function stop(d: Detection): void {
  const s = d.socket as DetectSocket;
  s[kDetect] = null;
  s.removeListener('data', onDetectData);
  s.removeListener('error', onDetectError);
  s.removeListener('end', onDetectEnd);
  s.pause();
  if (d.timer !== null) clearTimeout(d.timer);
  d.timer = null;
}

function finish(d: Detection, p: Protocol): void {
  stop(d);
  const { socket, buf, ctx, target, serveHttp1 } = d;
  if (socket.destroyed) return;
  dispatch(socket, buf, p, ctx, target, serveHttp1);
}

/** Hands a socket whose protocol is known to its server. */
export function dispatch(
  socket: Socket,
  head: Buffer,
  p: Protocol,
  ctx: ProxyContext,
  target: ConnTarget | null,
  serveHttp1: ServeHttp1,
): void {
  try {
    if (p === Protocol.Http1) {
      serveHttp1(socket, head, ctx, target);
    } else if (target === null) {
      // Non-HTTP/1 on the explicit-proxy listener has no destination: nothing to relay to.
      socket.destroy();
    } else if (p === Protocol.H2) {
      ctx.handlers.serveH2(socket, head, target);
    } else if (p === Protocol.Tls && ctx.handlers.serveTls !== undefined) {
      // TLS goes to the mTLS hook when one is installed, else it is relayed opaque.
      ctx.handlers.serveTls(socket, head, target);
    } else {
      ctx.handlers.serveOpaque(socket, head.length > 0 ? head : EMPTY, target);
    }
  } catch {
    socket.destroy();
  }
}
