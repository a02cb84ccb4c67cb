/**
 * The HTTP/1.1 server side of the proxy: one object per accepted connection (or per
 * tunnel carrying HTTP/1), driving requests one at a time through the stack:
 *
 *   parse head → route (authority → cached concrete, path → route) → timeout/retry →
 *   balance (P2C peak-EWMA) → pooled endpoint connection → stream the body both ways
 *
 * Bodies are forwarded as raw slices with backpressure: when a peer's write buffer is
 * full, the other side's socket is paused until `'drain'`. Only a retryable request's
 * body (≤ 64 KiB) is kept, to replay it. Errors become responses through
 * `errors/respond.ts`. This is the hot path: no closures per request, state on this
 * object, module-level socket handlers, deadlines swept by the proxy's ticker.
 */
import type { Socket } from 'node:net';
import type { ProxyRoute } from '@weft/shared';
import type { ConcreteService } from '../balance/concrete.ts';
import type { EndpointState } from '../balance/endpoint.ts';
import type { ConnTarget, Http1Head } from '../detect/handoff.ts';
import {
  http1ErrorResponse,
  PROXY_ERROR_HEADER,
  ProxyError,
  ProxyErrorReason,
  reasonOfSocketError,
  responseFor,
  STATUS_TEXT,
} from '../errors/respond.ts';
import type { HttpMetrics } from '../metrics/handles.ts';
import { countStreamed } from '../runtime/gc-nudge.ts';
import { meshTls } from '../tls/peer.ts';
import { acquire, type ClientConn, type ClientConnUser, FREE, HELD, HELD_PAUSED } from './client-conn.ts';
import type { HttpContext } from './context.ts';
import { Http1Parser, headerBlock, isIdempotent, type ParserOwner, startLineOf } from './parser.ts';

/** The largest request body kept for a retry; larger bodies are not retried. */
export const MAX_RETRY_BODY = 64 * 1024;
/** Bodies up to this size are sent in the same write as their response head. */
const MERGE_BODY_MAX = 16 * 1024;
/** Attempts per request, first included. */
const MAX_ATTEMPTS = 3;

// deadline kinds
const DL_NONE = 0;
const DL_HEADER = 1;
const DL_IDLE = 2;
const DL_REQUEST = 3;
const DL_RESOLVE = 4;

// hand-offs decided in onHead
const HO_NONE = 0;
const HO_CONNECT = 1;
const HO_UPGRADE = 2;

export const kServer = Symbol('weft.http.server');
type ServerSocket = Socket & { [kServer]: ServerConn };

const EMPTY = Buffer.alloc(0);

/** One client connection speaking HTTP/1.x to the proxy. */
export class ServerConn implements ParserOwner, ClientConnUser {
  readonly socket: Socket;
  readonly parser: Http1Parser;
  deadline = 0;
  deadlineKind = DL_NONE;
  /** Bytes read but not parsed yet (the parser was stopped). */
  private stash: Buffer | null = null;
  private handoff = HO_NONE;
  private closing = false;
  /** Set while parsing a read: writes to the endpoint are corked into one syscall. */
  private feeding = false;
  private corked: Socket | null = null;
  /** A response head not written yet: it goes out with the first body bytes. */
  private pendingHead: string | null = null;

  // --- the exchange in flight ---
  active = false;
  private target: ConnTarget | null = null;
  private concrete: ConcreteService | null = null;
  private client: ClientConn | null = null;
  private endpoint: EndpointState | null = null;
  private epStart = 0;
  private start = 0;
  private method = '';
  private startLine = '';
  private block = '';
  private hostLine = '';
  private keepAlive = true;
  private reqEnded = false;
  private resStarted = false;
  private interim = false;
  private status = 0;
  private attempts = 0;
  private retryable = false;
  private retryStatuses: readonly number[] | null = null;
  private bodyBuf: Buffer[] | null = null;
  private bodyBytes = 0;
  private timeoutMs = 0;
  private metrics: HttpMetrics | null = null;
  // inbound label cache, per connection
  private lastHost = '';
  private lastSrc = '';
  private lastInbound: HttpMetrics | null = null;

  constructor(
    socket: Socket,
    readonly ctx: HttpContext,
    /** The fixed destination (inbound, or a tunnel); null on the explicit-proxy listener. */
    readonly fixed: ConnTarget | null,
  ) {
    this.socket = socket;
    this.parser = new Http1Parser(true, this);
    (socket as ServerSocket)[kServer] = this;
    socket.setNoDelay(true);
    socket.on('data', onServerData);
    socket.on('drain', onServerDrain);
    socket.on('error', onServerError);
    socket.on('close', onServerClose);
    socket.on('end', onServerEnd);
    ctx.conns.add(this);
    this.setIdle();
  }

  // === input ===

  onData(chunk: Buffer): void {
    if (this.active && this.reqEnded) {
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
    else if (!this.active && this.parser.inHead && this.deadlineKind !== DL_HEADER) {
      this.deadlineKind = DL_HEADER;
      this.deadline = this.ctx.ticker.now + this.ctx.timeouts.headerMs;
    }
  }

  private hold(rest: Buffer): void {
    this.stash = this.stash === null ? rest : Buffer.concat([this.stash, rest]);
    this.socket.pause();
  }

  /** Resumes reading: unparsed bytes first. */
  private unhold(): void {
    const s = this.stash;
    this.stash = null;
    if (!this.socket.destroyed) this.socket.resume();
    if (s !== null || this.parser.endPending) this.feed(s ?? EMPTY);
  }

  private parseError(): void {
    const p = this.parser;
    const status = p.errorStatus || 400;
    if (this.resStarted || (this.active && this.client !== null)) {
      // the request was already being forwarded: nothing sane to answer
      this.abort();
      return;
    }
    this.client?.destroy();
    this.client = null;
    const body = `${p.errorMessage}\n`;
    this.socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Bad Request'}\r\ncontent-type: text/plain\r\n` +
        `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
      'latin1',
    );
    this.closing = true;
    this.active = false;
  }

  // === requests (parser owner) ===

  onHead(p: Http1Parser): boolean {
    const method = p.method;
    this.active = true;
    this.deadlineKind = DL_NONE;
    this.deadline = 0;
    if (method === 'CONNECT') {
      if (this.fixed !== null) return this.refuse(405);
      this.handoff = HO_CONNECT;
      return false;
    }
    // where does it go?
    let target = this.fixed;
    let path = p.target;
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
      this.hostLine = p.host === '' ? `host: ${auth}\r\n` : '';
    } else {
      this.hostLine = '';
      if (target === null) {
        // origin-form on the explicit-proxy listener: the Host header names the destination
        if (p.host === '') return this.refuse(400);
        target = ctx.target(p.host.includes(':') ? p.host : `${p.host}:80`);
      }
    }
    this.target = target;
    if (p.upgrade) {
      this.handoff = HO_UPGRADE;
      this.startLine = path;
      return false;
    }
    const concrete = target.concrete as ConcreteService;
    this.concrete = concrete;
    concrete.holders++;
    concrete.lastUsed = ctx.ticker.now;
    concrete.budget.deposit(ctx.ticker.now);

    this.method = method;
    this.startLine =
      path === p.target ? startLineOf(p) : `${method} ${path} HTTP/1.${p.versionMinor === 0 ? '0' : '1'}\r\n`;
    this.block = headerBlock(p);
    this.keepAlive = !p.connClose && (p.versionMinor === 1 || p.connKeepAlive);
    this.reqEnded = false;
    this.resStarted = false;
    this.interim = false;
    this.status = 0;
    this.attempts = 0;
    this.client = null;
    this.endpoint = null;
    this.start = performance.now();

    const route: ProxyRoute | undefined = concrete.routes.length > 0 ? concrete.route(path) : undefined;
    this.timeoutMs = route?.timeoutMs ?? 0;
    this.retryable =
      (route === undefined || route.retries) && isIdempotent(method) && p.contentLength <= MAX_RETRY_BODY;
    this.retryStatuses = route !== undefined ? route.retryStatuses : ctx.defaultRetryStatuses;
    this.bodyBuf = this.retryable && (p.contentLength > 0 || p.chunked) ? [] : null;
    this.bodyBytes = 0;
    if (this.timeoutMs > 0) {
      this.deadlineKind = DL_REQUEST;
      this.deadline = ctx.ticker.now + this.timeoutMs;
    }
    if (ctx.direction === 'inbound') this.metrics = this.inboundMetrics(p, target.authority);

    if (!concrete.ready) {
      if (this.deadlineKind === DL_NONE) {
        this.deadlineKind = DL_RESOLVE;
        this.deadline = ctx.ticker.now + ctx.timeouts.resolveMs;
      }
      concrete.whenReady(this.onResolved.bind(this));
      return false; // body waits in the socket until an endpoint is chosen
    }
    this.attempt();
    return true;
  }

  private onResolved(err: Error | null): void {
    if (!this.active || this.socket.destroyed || this.client !== null || this.resStarted) return;
    if (this.deadlineKind === DL_RESOLVE) {
      this.deadlineKind = DL_NONE;
      this.deadline = 0;
    }
    if (err !== null) {
      this.fail(err instanceof ProxyError ? err.reason : ProxyErrorReason.unresolvable);
      return;
    }
    this.attempt();
    if (this.client !== null) this.unhold();
  }

  onBody(chunk: Buffer): void {
    const buf = this.bodyBuf;
    if (buf !== null) {
      this.bodyBytes += chunk.length;
      if (this.bodyBytes > MAX_RETRY_BODY) {
        this.bodyBuf = null;
        this.retryable = false;
      } else {
        buf.push(chunk);
      }
    }
    const c = this.client;
    if (c !== null && !c.socket.write(chunk)) this.socket.pause();
    countStreamed(chunk.length);
  }

  onMessageEnd(_p: Http1Parser): boolean {
    if (!this.active) return true; // a body-less message with a refused head
    this.reqEnded = true;
    if (this.status !== 0 && !this.interim && this.client === null) this.finish();
    return false;
  }

  // === attempts ===

  private attempt(): void {
    const concrete = this.concrete as ConcreteService;
    const ep = concrete.pick(this.endpoint ?? undefined);
    if (ep === undefined) {
      this.fail(ProxyErrorReason.noEndpoints);
      return;
    }
    this.attempts++;
    this.endpoint = ep;
    const ctx = this.ctx;
    const c = acquire(ep, ctx.connector, ctx.ticker.now + ctx.timeouts.connectMs);
    c.user = this;
    c.parser.noBody = this.method === 'HEAD';
    this.client = c;
    if (this.metrics === null || ctx.direction === 'outbound') this.metrics = ep.metrics.http;
    this.epStart = ep.begin();
    const extra = ep.meshed && ctx.srcLine !== '' ? ctx.srcLine + this.hostLine : this.hostLine;
    const s = c.socket;
    if (this.feeding && this.corked === null) {
      s.cork();
      this.corked = s;
    }
    s.write(`${this.startLine}${this.block}${extra}\r\n`, 'latin1');
    const body = this.bodyBuf;
    if (body !== null) for (let k = 0; k < body.length; k++) s.write(body[k] as Buffer);
  }

  /** Whether a failed attempt may be retried now (and takes the retry from the budget). */
  private mayRetry(stale: boolean): boolean {
    if (!this.retryable || this.attempts >= MAX_ATTEMPTS || this.resStarted) return false;
    if (this.bodyBuf === null && this.bodyBytes > 0) return false;
    if (stale) return true; // a keep-alive race, not an endpoint failure
    return (this.concrete as ConcreteService).budget.withdraw(this.ctx.ticker.now);
  }

  private dropClient(): void {
    const c = this.client;
    if (c === null) return;
    this.client = null;
    c.destroy();
    const ep = this.endpoint;
    if (ep !== null) ep.end(this.epStart);
  }

  // === responses (client connection user) ===

  onResponseHead(cc: ClientConn, p: Http1Parser): boolean {
    const status = p.status;
    if (status < 200) {
      if (status === 101) {
        this.onUpstreamFailure(cc, Object.assign(new Error('unexpected 101'), { code: 'WEFT_BAD_RESPONSE' }));
        return false;
      }
      this.interim = true;
      if (this.parser.versionMinor === 1)
        this.socket.write(`${startLineOf(p)}${headerBlock(p)}\r\n`, 'latin1');
      return true;
    }
    this.interim = false;
    const rs = this.retryStatuses;
    if (rs?.includes(status) && this.mayRetry(false)) {
      // the endpoint failed this request: steer the balancer away from it, then retry
      this.client = null;
      cc.destroy();
      (this.endpoint as EndpointState).penalize(this.epStart);
      this.attempt();
      return false;
    }
    const ep = this.endpoint as EndpointState;
    ep.end(this.epStart);
    this.epStart = 0;
    this.status = status;
    this.resStarted = true;
    if (this.deadlineKind === DL_REQUEST) {
      this.deadlineKind = DL_NONE;
      this.deadline = 0;
    }
    const m = this.metrics as HttpMetrics;
    m.request();
    m.response(status, performance.now() - this.start, status >= 500);
    // the client connection stays open only if the response is framed and nobody asked to close
    const close = !this.keepAlive || p.untilEof || this.ctx.draining || this.closing;
    if (close) this.keepAlive = false;
    const conn =
      close && this.parser.versionMinor === 1
        ? 'connection: close\r\n'
        : !close && this.parser.versionMinor === 0
          ? 'connection: keep-alive\r\n'
          : '';
    // held until the body's first bytes (usually in the same read) so both go in one write
    this.pendingHead = `${startLineOf(p)}${headerBlock(p)}${conn}\r\n`;
    return true;
  }

  onResponseBody(cc: ClientConn, chunk: Buffer): void {
    const head = this.pendingHead;
    let ok: boolean;
    if (head === null) {
      ok = this.socket.write(chunk);
    } else {
      this.pendingHead = null;
      if (chunk.length <= MERGE_BODY_MAX) {
        // one latin1 string (a lossless byte copy) for head and small body: one syscall
        ok = this.socket.write(head + chunk.toString('latin1'), 'latin1');
      } else {
        this.socket.write(head, 'latin1');
        ok = this.socket.write(chunk);
      }
    }
    if (!ok) cc.socket.pause();
    countStreamed(chunk.length);
  }

  /** Writes a response head still held back (no body byte came with it). */
  private flushHead(): void {
    const head = this.pendingHead;
    if (head !== null) {
      this.pendingHead = null;
      this.socket.write(head, 'latin1');
    }
  }

  onResponseEnd(cc: ClientConn, _p: Http1Parser): boolean {
    if (this.interim) return true; // a 1xx ended; the real response follows
    this.flushHead();
    this.client = null;
    if (this.reqEnded) cc.release(this.ctx.ticker.now);
    else {
      // the endpoint answered before reading the whole request: neither side can be reused
      cc.destroy();
      this.keepAlive = false;
    }
    this.finish();
    return true;
  }

  onUpstreamFailure(cc: ClientConn, err: unknown): void {
    if (cc !== this.client) return;
    this.client = null;
    const ep = this.endpoint;
    if (this.resStarted) {
      // mid-response: the client must see a truncated message, not a forged end
      this.abort();
      return;
    }
    if (ep !== null && this.epStart !== 0) ep.penalize(this.epStart);
    const code = (err as { code?: string } | null)?.code;
    const stale = cc.reused && !cc.gotBytes && (code === 'ECONNRESET' || code === 'EPIPE');
    if (this.mayRetry(stale)) {
      this.attempt();
      return;
    }
    this.fail(
      code === 'WEFT_BAD_RESPONSE' ? ProxyErrorReason.badResponse : reasonOfSocketError(err, cc.connected),
    );
  }

  batchStart(): void {}

  batchEnd(): void {
    this.flushHead();
  }

  retains(): number {
    const s = this.socket;
    if (s.writableLength === 0) return FREE;
    // a paused endpoint socket reads again only on our 'drain', when all is flushed
    return this.client?.socket.isPaused() ? HELD_PAUSED : HELD;
  }

  onUpstreamDrain(_cc: ClientConn): void {
    if (!this.reqEnded && this.stash === null) this.socket.resume();
  }

  /** Downstream drained: let the endpoint's response flow again. */
  onDrain(): void {
    const c = this.client;
    if (c !== null) c.socket.resume();
  }

  // === ends ===

  /** Answers the request with the proxy's error response for `reason`. */
  fail(reason: ProxyErrorReason): void {
    this.dropClient();
    if (this.resStarted) {
      this.abort();
      return;
    }
    const { status } = responseFor(reason);
    const m = this.metrics ?? this.concrete?.authorityMetrics?.http ?? this.ctx.unroutedMetrics;
    m.request();
    m.response(status, performance.now() - this.start, true);
    this.status = status;
    this.resStarted = true;
    // an unread request body cannot be skipped safely: close after answering
    if (!this.reqEnded || this.ctx.draining) this.keepAlive = false;
    this.socket.write(http1ErrorResponse(reason, !this.keepAlive), 'latin1');
    if (this.reqEnded) this.finish();
    else this.end();
  }

  private refuse(status: number): boolean {
    this.active = false;
    this.closing = true;
    this.socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Bad Request'}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
      'latin1',
    );
    return false;
  }

  /** The exchange is complete on both sides: reset for the next request or close. */
  private finish(): void {
    const concrete = this.concrete;
    if (concrete !== null) {
      concrete.holders--;
      this.concrete = null;
    }
    this.active = false;
    this.endpoint = null;
    this.bodyBuf = null;
    this.target = null;
    this.metrics = null;
    if (!this.keepAlive || this.closing || this.ctx.draining) {
      this.end();
      return;
    }
    this.setIdle();
    this.unhold();
  }

  private setIdle(): void {
    this.deadlineKind = DL_IDLE;
    this.deadline = this.ctx.ticker.now + this.ctx.timeouts.idleMs;
  }

  /** Closes gracefully after what was written. */
  private end(): void {
    this.closing = true;
    this.deadlineKind = DL_NONE;
    this.socket.end();
  }

  /** Tears both sides down (a message cannot be completed). */
  abort(): void {
    this.closing = true;
    const c = this.client;
    this.client = null;
    if (c !== null) c.destroy();
    if (this.endpoint !== null && this.epStart !== 0 && !this.resStarted) this.endpoint.end(this.epStart);
    this.socket.destroy();
  }

  /** Called by the ticker when `deadline` passed. */
  expire(): void {
    const kind = this.deadlineKind;
    this.deadlineKind = DL_NONE;
    this.deadline = 0;
    if (kind === DL_IDLE) {
      this.end();
    } else if (kind === DL_HEADER) {
      this.closing = true;
      this.socket.end(http408, 'latin1');
    } else if (kind === DL_REQUEST && !this.resStarted) {
      this.fail(ProxyErrorReason.requestTimeout);
    } else if (kind === DL_RESOLVE && this.client === null && !this.resStarted) {
      this.fail(ProxyErrorReason.resolveTimeout);
    }
  }

  /** Connect deadline of the attempt in flight (checked by the ticker). */
  checkConnect(now: number): void {
    const c = this.client;
    if (c !== null && c.connectDeadline !== 0 && c.connectDeadline <= now) {
      c.connectDeadline = 0;
      this.onUpstreamFailure(c, Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
      c.destroy();
    }
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
    const c = this.client;
    if (c !== null) {
      this.client = null;
      c.destroy();
      if (this.endpoint !== null && this.epStart !== 0 && !this.resStarted) this.endpoint.end(this.epStart);
    }
    if (this.concrete !== null) {
      this.concrete.holders--;
      this.concrete = null;
    }
  }

  private inboundMetrics(p: Http1Parser, fallback: string): HttpMetrics {
    const host = p.host === '' ? fallback : p.host;
    const src = p.src;
    if (host === this.lastHost && src === this.lastSrc && this.lastInbound !== null) return this.lastInbound;
    const slash = src.indexOf('/');
    const m = this.ctx.inboundMetrics(
      host,
      slash > 0 ? src.slice(0, slash) : '',
      slash > 0 ? src.slice(slash + 1) : '',
      meshTls(this.socket)?.peerIdentity,
    ).http;
    this.lastHost = host;
    this.lastSrc = src;
    this.lastInbound = m;
    return m;
  }

  // === hand-offs ===

  private doHandoff(rest: Buffer): void {
    const kind = this.handoff;
    this.handoff = HO_NONE;
    const s = this.socket;
    this.detach();
    const p = this.parser;
    const raw = Buffer.from(p.head, 'latin1');
    const head: Http1Head = { method: p.method, target: p.target, headers: p.headers, raw };
    const rest2 = this.stash !== null ? Buffer.concat([rest, this.stash]) : rest;
    this.stash = null;
    try {
      if (kind === HO_CONNECT) {
        this.ctx.handlers.serveConnect(s, head, rest2, this.ctx);
      } else {
        const up: Http1Head = { method: p.method, target: this.startLine, headers: p.headers, raw };
        this.ctx.handlers.serveUpgrade(s, up, rest2, this.target as ConnTarget);
      }
    } catch {
      s.destroy();
    }
  }

  /** Gives the socket up: our listeners off, paused. */
  private detach(): void {
    const s = this.socket;
    s.removeListener('data', onServerData);
    s.removeListener('drain', onServerDrain);
    s.removeListener('error', onServerError);
    s.removeListener('close', onServerClose);
    s.removeListener('end', onServerEnd);
    s.pause();
    this.active = false;
    this.deadlineKind = DL_NONE;
    this.ctx.conns.delete(this);
  }
}

const http408 =
  'HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\ncontent-length: 16\r\n' +
  'connection: close\r\n\r\nrequest timeout\n';

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
