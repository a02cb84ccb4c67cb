/**
 * The HTTP/1.1 server side of the proxy: one object per accepted connection (or per
 * tunnel carrying HTTP/1). It only parses, writes and hands on: each request head goes
 * to the connection's `Http1Exchange` and through the direction's request pipeline
 * (`stack/outbound.ts`, `stack/inbound.ts`); CONNECT and Upgrade go to their protocol
 * servers. Connection-level deadlines (header, idle, body, connect: `deadlines.ts`) are swept by the proxy's
 * ticker. This is the hot path: no closures per request, module-level socket handlers.
 */
import type { Socket } from 'node:net';
import type { ConnTarget } from '../detect/handoff.ts';
import { http1BadRequest, PROXY_ERROR_HEADER } from '../errors/respond.ts';
import { isShared, readInto, releaseReader, type SocketReader } from '../transport/read-into.ts';
import type { HttpContext } from './context.ts';
import { armBody, armHeader, armIdle, clearDeadline, DL_BODY, DL_HEADER, DL_NONE } from './deadlines.ts';
import { handOff } from './handoff.ts';
import { InboundLabels } from './inbound-labels.ts';
import { Http1Parser, type ParserOwner } from './parser.ts';
import { Http1Exchange } from './server-exchange.ts';

export { MAX_RETRY_BODY } from '../stack/layers.ts';

// hand-offs decided in onHead
const HO_NONE = 0;
const HO_CONNECT = 1;
const HO_UPGRADE = 2;

export const kServer = Symbol('weft.http.server');
type ServerSocket = Socket & { [kServer]: ServerConn };

const EMPTY = Buffer.alloc(0);

/**
 * One client connection speaking HTTP/1.x to the proxy. An accepted TCP connection is
 * read without allocation (`transport/read-into.ts`): each read is parsed at once, and
 * what is kept of it (bytes held back, a body slice) is copied.
 */
export class ServerConn implements ParserOwner, SocketReader {
  readonly socket: Socket;
  readonly parser: Http1Parser;
  /** The request in flight (one object, reused for each request). */
  readonly ex: Http1Exchange;
  deadline = 0;
  deadlineKind = DL_NONE;
  /** Whether a request is in flight. */
  active = false;
  keepAlive = true;
  /** Bytes read but not parsed yet (the parser was stopped). */
  private stash: Buffer | null = null;
  private handoff = HO_NONE;
  private handoffTarget: ConnTarget | null = null;
  private handoffPath = '';
  /** Closing once the exchange in flight is done (drain, client half-close, error). */
  closing = false;
  /** Set while parsing a read: writes to the endpoint are corked into one syscall. */
  private feeding = false;
  private corked: Socket | null = null;
  /** Set while the pipeline runs from `onHead`: a dispatch then needs no unhold. */
  private inHead = false;
  /** The request's body waits in the socket until the pipeline dispatches it. */
  private waiting = false;
  /** Inbound: the metrics handles of the last (Host, caller) seen on this connection. */
  private readonly labels = new InboundLabels();

  constructor(
    socket: Socket,
    readonly ctx: HttpContext,
    /** The fixed destination (inbound, or a tunnel); null on the explicit-proxy listener. */
    readonly fixed: ConnTarget | null,
  ) {
    this.socket = socket;
    this.parser = new Http1Parser(true, this);
    this.ex = new Http1Exchange(this);
    (socket as ServerSocket)[kServer] = this;
    socket.setNoDelay(true);
    socket.on('data', onServerData);
    socket.on('drain', onServerDrain);
    socket.on('error', onServerError);
    socket.on('close', onServerClose);
    socket.on('end', onServerEnd);
    readInto(socket, this);
    ctx.conns.add(this);
    armIdle(this);
  }

  // === input ===

  onRead(buf: Buffer): void {
    this.onData(buf);
  }

  onData(chunk: Buffer): void {
    // bytes held back come first (over TLS, reads go on for a moment after a pause)
    if (this.stash !== null || (this.active && this.ex.reqEnded)) {
      this.hold(chunk);
      return;
    }
    this.feed(chunk);
  }

  private feed(buf: Buffer): void {
    this.feeding = true;
    const n = this.parser.execute(buf);
    this.feeding = false;
    const corked = this.corked;
    if (corked !== null) {
      this.corked = null;
      corked.uncork();
    }
    if (n < 0) {
      this.parseError();
      return;
    }
    if (this.handoff !== HO_NONE) {
      this.doHandoff(n < buf.length ? buf.subarray(n) : EMPTY);
      return;
    }
    if (n < buf.length) this.hold(buf.subarray(n));
    else if (!this.active && this.parser.inHead && this.deadlineKind !== DL_HEADER) armHeader(this);
  }

  private hold(rest: Buffer): void {
    const s = this.stash;
    this.stash = s !== null ? Buffer.concat([s, rest]) : isShared(rest) ? Buffer.from(rest) : rest;
    this.socket.pause();
  }

  /** Resumes reading: unparsed bytes first. */
  private unhold(): void {
    const s = this.stash;
    this.stash = null;
    if (!this.socket.destroyed) this.socket.resume();
    if (s !== null || this.parser.endPending) this.feed(s ?? EMPTY);
  }

  /** Corks `s` while a read is being parsed (its writes then leave in one syscall). */
  corkFor(s: Socket): void {
    if (this.feeding && this.corked === null) {
      s.cork();
      this.corked = s;
    }
  }

  /** The exchange sent an attempt: a request body held back while it waited can flow. */
  dispatched(): void {
    if (this.inHead || !this.waiting) return;
    this.waiting = false;
    this.unhold();
  }

  private parseError(): void {
    const p = this.parser;
    const status = p.errorStatus || 400;
    const ex = this.ex;
    if (ex.responded || (this.active && ex.attemptOpen())) {
      // the request was already being forwarded: nothing sane to answer
      this.abort();
      return;
    }
    ex.dropClient();
    this.socket.end(http1BadRequest(status, p.errorMessage), 'latin1');
    this.closing = true;
    this.active = false;
    ex.resetExchange();
  }

  // === requests (parser owner) ===

  onHead(p: Http1Parser): boolean {
    const method = p.method;
    this.active = true;
    clearDeadline(this);
    if (method === 'CONNECT') {
      if (this.fixed !== null) return this.refuse(405);
      this.handoff = HO_CONNECT;
      return false;
    }
    // where does it go?
    let target = this.fixed;
    let path = p.target;
    let hostLine = '';
    const ctx = this.ctx;
    if (path.charCodeAt(0) !== 47 /* / */) {
      // absolute-form (RFC 9112 §3.2.2): http://authority/path
      if (!path.startsWith('http://')) return this.refuse(400);
      let slash = path.indexOf('/', 7);
      const q = path.indexOf('?', 7);
      if (q >= 0 && (slash < 0 || q < slash)) slash = q;
      const auth = slash < 0 ? path.slice(7) : path.slice(7, slash);
      path = slash < 0 ? '/' : path[slash] === '?' ? `/${path.slice(slash)}` : path.slice(slash);
      if (target === null) {
        if (auth.length === 0 || auth.includes('@')) return this.refuse(400);
        target = ctx.target(auth.includes(':') ? auth : `${auth}:80`);
      }
      // The target's authority is the Host (RFC 9112 §3.2.2): a stale Host header is replaced.
      if (p.host !== auth) {
        if (p.host !== '') p.dropHeader('host');
        hostLine = `host: ${auth}\r\n`;
      }
    } else if (target === null) {
      // origin-form on the explicit-proxy listener: the Host header names the destination
      if (p.host === '') return this.refuse(400);
      target = ctx.target(p.host.includes(':') ? p.host : `${p.host}:80`);
    }
    if (p.upgrade) {
      this.handoff = HO_UPGRADE;
      this.handoffTarget = target;
      this.handoffPath = path;
      return false;
    }
    this.keepAlive = !p.connClose && (p.versionMinor === 1 || p.connKeepAlive);
    const ex = this.ex;
    ex.begin(p, path);
    ex.hostLine = hostLine;
    if (ctx.direction === 'inbound') {
      ex.metrics = this.labels.metrics(ctx, p, target.authority, this.socket);
    }
    if (p.chunked || p.contentLength > 0) armBody(this);
    this.inHead = true;
    ctx.stack.start(ex, target);
    this.inHead = false;
    // the body flows on only once an attempt is under way (or the answer is written)
    if (ex.attemptOpen() || ex.responded) return true;
    this.waiting = true;
    return false;
  }

  onBody(chunk: Buffer): void {
    if (this.deadlineKind === DL_BODY) this.deadline = this.ctx.ticker.now + this.ctx.timeouts.bodyMs;
    // a slice of the shared read buffer is kept past this read (queued, or for a retry)
    this.ex.onBody(isShared(chunk) ? Buffer.from(chunk) : chunk);
  }

  onMessageEnd(_p: Http1Parser): boolean {
    if (!this.active) return true; // a body-less message with a refused head
    if (this.deadlineKind === DL_BODY) clearDeadline(this);
    const ex = this.ex;
    ex.requestEnded();
    if (ex.status !== 0 && !ex.interim && !ex.attemptOpen() && !ex.viaH2) this.finish();
    return false;
  }

  /** The endpoint connection drained: the request body may flow again. */
  upstreamDrained(): void {
    if (!this.ex.reqEnded && this.stash === null) this.socket.resume();
  }

  /** Downstream drained: let the endpoint's response flow again. */
  onDrain(): void {
    const c = this.ex.client;
    if (c !== null) c.socket.resume();
    else this.ex.h2?.clientDrained();
  }

  // === ends ===

  private refuse(status: number): boolean {
    this.active = false;
    this.closing = true;
    this.socket.end(http1BadRequest(status, ''), 'latin1');
    return false;
  }

  /** The exchange is complete on both sides: reset for the next request or close. */
  finish(): void {
    this.active = false;
    this.waiting = false;
    const ex = this.ex;
    ex.requestDone(ex.status, null);
    ex.resetExchange();
    ex.bodyBuf = null;
    ex.metrics = null;
    if (!this.keepAlive || this.closing || this.ctx.draining) {
      this.end();
      return;
    }
    armIdle(this);
    this.unhold();
  }

  /** Closes gracefully after what was written. */
  end(): void {
    this.closing = true;
    this.deadlineKind = DL_NONE;
    this.deadline = 0;
    this.socket.end();
  }

  /** Tears both sides down (a message cannot be completed). */
  abort(): void {
    this.closing = true;
    this.ex.dropClient();
    this.socket.destroy();
  }

  /** The client half-closed: finish what is in flight, then close. */
  onEnd(): void {
    this.keepAlive = false;
    this.closing = true;
    if (!this.active) this.socket.end();
  }

  /** Drain: close when idle, else after the response in flight. */
  drain(): void {
    if (!this.active) this.end();
    else this.closing = true;
  }

  closed(): void {
    this.ctx.conns.delete(this);
    const ex = this.ex;
    if (!ex.responded || ex.viaH2) ex.dropClient();
    else {
      const c = ex.client;
      ex.client = null;
      c?.destroy();
    }
    this.active = false;
    ex.resetExchange();
  }

  // === hand-offs ===

  private doHandoff(rest: Buffer): void {
    const connect = this.handoff === HO_CONNECT;
    this.handoff = HO_NONE;
    this.detach();
    const all =
      this.stash !== null ? Buffer.concat([rest, this.stash]) : isShared(rest) ? Buffer.from(rest) : rest;
    this.stash = null;
    handOff(
      this.ctx,
      this.socket,
      this.parser,
      all,
      connect ? null : (this.handoffTarget as ConnTarget),
      this.handoffPath,
      this.fixed,
    );
  }

  /** Gives the socket up: our listeners off, paused. */
  private detach(): void {
    const s = this.socket;
    s.removeListener('data', onServerData);
    s.removeListener('drain', onServerDrain);
    s.removeListener('error', onServerError);
    s.removeListener('close', onServerClose);
    s.removeListener('end', onServerEnd);
    releaseReader(s);
    s.pause();
    this.active = false;
    clearDeadline(this);
    this.ctx.conns.delete(this);
  }
}

// === socket handlers ===

function onServerData(this: ServerSocket, chunk: Buffer): void {
  this[kServer].onData(chunk);
}

function onServerDrain(this: ServerSocket): void {
  this[kServer].onDrain();
}

function onServerError(this: ServerSocket): void {
  // 'close' follows; a client reset needs no answer
}

function onServerEnd(this: ServerSocket): void {
  this[kServer].onEnd();
}

function onServerClose(this: ServerSocket): void {
  this[kServer].closed();
}

/** Serves HTTP/1 on `socket` (an accepted connection or a tunnel) after detection. */
export function serveHttp1(socket: Socket, head: Buffer, ctx: HttpContext, target: ConnTarget | null): void {
  const conn = new ServerConn(socket, ctx, target);
  socket.resume();
  if (head.length > 0) conn.onData(head);
}

export { PROXY_ERROR_HEADER };
