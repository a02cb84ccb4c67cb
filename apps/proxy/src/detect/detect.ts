/**
 * Runs protocol detection on a socket and dispatches it: reads until `sniff` decides
 * (or the detection timeout passes: opaque), then calls the HTTP/1 server or a protocol
 * handler. While the client stays silent with a known destination, an endpoint
 * connection is opened (`tcp/early.ts`): if the server speaks first (SMTP, MySQL
 * banners) the connection goes opaque at once over it, with no wait for the timeout.
 * On an opaque Server's port only mesh TLS is told apart from opaque bytes (no HTTP).
 * One detection object per connection; handlers are module-level functions reading its
 * fields.
 */
import type { Socket } from 'node:net';
import type { ProxyTimeouts } from '@weft/shared';
import { type EarlyConn, type EarlyListener, openEarly } from '../tcp/early.ts';
import type { ConnTarget, ProxyContext } from './handoff.ts';
import { Protocol, SNIFF_MAX, sniff } from './protocol.ts';

/**
 * How long a silent client waits before its endpoint is connected to early. Clients of
 * client-first protocols (HTTP, h2, TLS) write at once, so they seldom cost an endpoint
 * connection that is closed unused; a server-first protocol is heard after this plus
 * one connect.
 */
export const EARLY_CONNECT_MS = 100;

/**
 * An HTTP/2 server sends its SETTINGS frame (type 4 on stream 0) as soon as a connection
 * opens, before the client's preface: that is not a server-first protocol.
 */
function isH2ServerPreface(b: Buffer): boolean {
  return b.length >= 9 && b[3] === 4 && (b.readUInt32BE(5) & 0x7fffffff) === 0;
}

/** The HTTP/1 server the detector hands HTTP/1.x connections to (set by the stack). */
export type ServeHttp1 = (socket: Socket, head: Buffer, ctx: ProxyContext, target: ConnTarget | null) => void;

const kDetect = Symbol('weft.detect');

class Detection implements EarlyListener {
  timer: NodeJS.Timeout | null = null;
  /** The detection timeout's verdict, held until this turn's I/O was read. */
  afterIo: NodeJS.Immediate | null = null;
  earlyTimer: NodeJS.Timeout | null = null;
  buf: Buffer;
  constructor(
    readonly socket: Socket,
    readonly ctx: ProxyContext,
    readonly target: ConnTarget | null,
    head: Buffer,
    readonly serveHttp1: ServeHttp1,
    readonly connectMs: number,
    public early: EarlyConn | null,
    /** An opaque Server's port: whatever is not TLS is opaque. */
    readonly opaquePort: boolean,
  ) {
    this.buf = head;
  }

  earlyConnected(): void {}

  /** The server spoke before the client: opaque, now (an HTTP/2 server's SETTINGS is not speaking first). */
  earlySpoke(e: EarlyConn): void {
    if (this.early !== e) return;
    const b = e.banner as Buffer;
    if (b[0] === 0 && b.length < 9)
      e.socket.resume(); // too short to tell: read on
    else if (!isH2ServerPreface(b)) finish(this, Protocol.Opaque);
  }

  earlyFailed(): void {
    // the opaque path, if it comes to that, connects again (and reports the failure)
    this.early = null;
  }
}

type DetectSocket = Socket & { [kDetect]?: Detection | null };

const EMPTY = Buffer.alloc(0);

/**
 * Starts detection on `socket`. `head` holds bytes already read (from a tunnel's
 * request, say). `timeouts.detectMs` bounds the wait for the first decisive bytes;
 * `early` is an endpoint connection already open (a CONNECT's), else one is opened
 * after `EARLY_CONNECT_MS` of silence (within `timeouts.connectMs`).
 */
export function detectProtocol(
  socket: Socket,
  head: Buffer,
  ctx: ProxyContext,
  target: ConnTarget | null,
  timeouts: Pick<ProxyTimeouts, 'detectMs' | 'connectMs'>,
  serveHttp1: ServeHttp1,
  early: EarlyConn | null = null,
  opaquePort = false,
): void {
  const decided = head.length > 0 ? decide(head, opaquePort) : undefined;
  if (decided !== undefined) {
    dispatch(socket, head, decided, ctx, target, serveHttp1, early);
    return;
  }
  const d = new Detection(socket, ctx, target, head, serveHttp1, timeouts.connectMs, early, opaquePort);
  (socket as DetectSocket)[kDetect] = d;
  socket.on('data', onDetectData);
  socket.on('error', onDetectError);
  socket.on('end', onDetectEnd);
  socket.resume();
  d.timer = setTimeout(onDetectTimeout, timeouts.detectMs, d);
  if (early !== null) {
    early.listener = d;
    if (early.failed) d.early = null;
    else if (early.banner !== null) finish(d, Protocol.Opaque);
  } else if (target !== null && head.length === 0) {
    d.earlyTimer = setTimeout(onEarlyConnectTimer, EARLY_CONNECT_MS, d);
  }
}

/**
 * The client stayed silent: connect to the endpoint, in case its server speaks first.
 * Not on an opaque Server's port for a caller its policy would refuse in plaintext (a
 * meshed caller speaks first, with its ClientHello): the app never sees a connection
 * for a caller that will be refused.
 */
function onEarlyConnectTimer(d: Detection): void {
  d.earlyTimer = null;
  const t = d.target;
  if (t === null || d.buf.length > 0 || d.socket.destroyed) return;
  if (d.opaquePort && t.policy.inbound?.authorizer.wouldAdmitTcp(undefined, d.socket.remoteAddress) === false)
    return;
  const e = openEarly(t.concrete, t.ctx.connector, d.connectMs);
  if (e === null) return;
  e.listener = d;
  d.early = e;
}

function onDetectData(this: DetectSocket, chunk: Buffer): void {
  const d = this[kDetect];
  if (!d) return;
  d.buf = d.buf.length === 0 ? chunk : Buffer.concat([d.buf, chunk]);
  let p = decide(d.buf, d.opaquePort);
  if (p === undefined && d.buf.length >= SNIFF_MAX) p = Protocol.Opaque;
  if (p !== undefined) finish(d, p);
}

/** `sniff`, except that on an opaque port whatever is not TLS is opaque. */
function decide(buf: Buffer, opaquePort: boolean): Protocol | undefined {
  const p = sniff(buf);
  if (!opaquePort || p === undefined || p === Protocol.Tls) return p;
  return Protocol.Opaque;
}

/**
 * The detection timeout. Timers run before I/O in an event-loop turn: after a stall (a
 * starved CPU) the timer can fire while the client's first bytes already wait to be
 * read, and a TLS ClientHello taken for opaque bytes would reach the app, which answers
 * in plaintext ("wrong version number" for the caller). So the verdict waits for the
 * I/O of this turn (`setImmediate` runs after it) before calling the client silent.
 */
function onDetectTimeout(d: Detection): void {
  d.timer = null;
  d.afterIo = setImmediate(onDetectTimeoutAfterIo, d);
}

function onDetectTimeoutAfterIo(d: Detection): void {
  d.afterIo = null;
  finish(d, Protocol.Opaque);
}

function onDetectError(this: DetectSocket): void {
  const d = this[kDetect];
  if (d) {
    stop(d);
    d.early?.drop();
  }
  this.destroy();
}

function onDetectEnd(this: DetectSocket): void {
  const d = this[kDetect];
  if (!d) return;
  // The client half-closed before we could tell: relay what it sent as opaque bytes.
  finish(d, d.buf.length > 0 ? (decide(d.buf, d.opaquePort) ?? Protocol.Opaque) : Protocol.Opaque);
}

function stop(d: Detection): void {
  if (d.earlyTimer !== null) clearTimeout(d.earlyTimer);
  d.earlyTimer = null;
  if (d.early !== null) d.early.listener = null;
  const s = d.socket as DetectSocket;
  s[kDetect] = null;
  s.removeListener('data', onDetectData);
  s.removeListener('error', onDetectError);
  s.removeListener('end', onDetectEnd);
  s.pause();
  if (d.timer !== null) clearTimeout(d.timer);
  d.timer = null;
  if (d.afterIo !== null) clearImmediate(d.afterIo);
  d.afterIo = null;
}

function finish(d: Detection, p: Protocol): void {
  stop(d);
  const { socket, buf, ctx, target, serveHttp1, early } = d;
  if (socket.destroyed) {
    early?.drop();
    return;
  }
  dispatch(socket, buf, p, ctx, target, serveHttp1, early);
}

/** Hands a socket whose protocol is known to its server; `early` serves only an opaque one. */
export function dispatch(
  socket: Socket,
  head: Buffer,
  p: Protocol,
  ctx: ProxyContext,
  target: ConnTarget | null,
  serveHttp1: ServeHttp1,
  early: EarlyConn | null = null,
): void {
  if (early !== null && (p !== Protocol.Opaque || target === null)) {
    early.drop();
    early = null;
  }
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
      ctx.handlers.serveOpaque(socket, head.length > 0 ? head : EMPTY, target, early);
    }
  } catch {
    early?.drop();
    socket.destroy();
  }
}
