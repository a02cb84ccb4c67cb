/**
 * The HTTP/1 side of one request in the pipeline: what `dispatch` means for HTTP/1 (a
 * pooled keep-alive connection to the chosen endpoint, the head written, a buffered body
 * replayed on a retry), and the response relayed back to the caller with backpressure.
 * One object per server connection, reused for each request on it; the connection
 * (`server-conn.ts`) parses and hands each request head here.
 *
 * Bodies are forwarded as raw slices: when a peer's write buffer is full, the other
 * side's socket pauses until `'drain'`. Only a retryable request's body (≤ 64 KiB) is
 * kept, to replay it. Proxy answers come from `errors/respond.ts`.
 */
import type { EndpointState } from '../balance/endpoint.ts';
import {
  http1Answer,
  http1Redirect,
  ProxyErrorReason,
  reasonOfSocketError,
  responseFor,
} from '../errors/respond.ts';
import { MeshH2Up, upgrades } from '../mesh-h2/outbound-up.ts';
import type { HttpMetrics } from '../metrics/handles.ts';
import { countStreamed } from '../runtime/gc-nudge.ts';
import { Exchange, mayRetry, retriesStatus } from '../stack/exchange.ts';
import { MAX_RETRY_BODY } from '../stack/layers.ts';
import { meshTls } from '../tls/peer.ts';
import { acquire, type ClientConn, type ClientConnUser, FREE, HELD, HELD_PAUSED } from './client-conn.ts';
import { modifyBlock } from './header-block.ts';
import { type Http1Parser, headerBlock, startLineOf } from './parser.ts';
import type { ServerConn } from './server-conn.ts';

/** Bodies up to this size are sent in the same write as their response head. */
const MERGE_BODY_MAX = 16 * 1024;

export class Http1Exchange extends Exchange implements ClientConnUser {
  client: ClientConn | null = null;
  startLine = '';
  block = '';
  /** The `host:` line of an absolute-form request (its authority), replacing any Host header it had. */
  hostLine = '';
  reqEnded = false;
  interim = false;
  status = 0;
  bodyBuf: Buffer[] | null = null;
  bodyBytes = 0;
  metrics: HttpMetrics | null = null;
  /** A response head not written yet: it goes out with the first body bytes. */
  pendingHead: string | null = null;
  /** Whether a Buffer view of the endpoint's read was written during the current read. */
  wroteView = false;
  /** The attempts of a request carried over HTTP/2 to a meshed endpoint (made on first use). */
  h2: MeshH2Up | null = null;
  /** Whether this request goes over HTTP/2 (`h2`) rather than a pooled HTTP/1 connection. */
  viaH2 = false;

  constructor(readonly conn: ServerConn) {
    super();
  }

  header(lowerName: string): string | undefined {
    const h = this.conn.parser.headers;
    for (let k = 0; k < h.length; k += 2) if (h[k] === lowerName) return h[k + 1];
    return undefined;
  }

  override headerNames(): readonly string[] {
    const h = this.conn.parser.headers;
    const out: string[] = [];
    for (let k = 0; k < h.length; k += 2) out.push(h[k] as string);
    return out;
  }

  caller(): string | undefined {
    const s = this.conn.socket;
    return meshTls(s)?.peerIdentity ?? s.remoteAddress;
  }

  peerIdentity(): string | undefined {
    return meshTls(this.conn.socket)?.peerIdentity;
  }

  peerAddress(): string | undefined {
    return this.conn.socket.remoteAddress;
  }

  get gone(): boolean {
    return !this.conn.active || this.conn.socket.destroyed;
  }

  /** Starts a request whose head `p` was just parsed. */
  begin(p: Http1Parser, path: string): void {
    this.method = p.method;
    this.path = path;
    this.startLine =
      path === p.target
        ? startLineOf(p)
        : `${p.method} ${path} HTTP/1.${p.versionMinor === 0 ? '0' : '1'}\r\n`;
    this.block = headerBlock(p);
    this.reqEnded = false;
    this.interim = false;
    this.status = 0;
    this.client = null;
    this.viaH2 = false;
    this.h2?.reset();
    this.start = performance.now();
    this.bodyLength = p.chunked ? -1 : Math.max(0, p.contentLength);
    this.bodyBuf = p.contentLength > 0 || p.chunked ? [] : null;
    this.bodyBytes = 0;
  }

  /** A slice of the request body from the parser. */
  onBody(chunk: Buffer): void {
    const buf = this.bodyBuf;
    if (buf !== null) {
      this.bodyBytes += chunk.length;
      if (this.bodyBytes > MAX_RETRY_BODY || !this.retryable) {
        this.bodyBuf = null;
        this.retryable = false;
      } else {
        buf.push(chunk);
      }
    }
    const c = this.client;
    if (c !== null) {
      if (!c.socket.write(chunk)) this.conn.socket.pause();
    } else if (this.viaH2) (this.h2 as MeshH2Up).body(chunk);
    countStreamed(chunk.length);
  }

  /** Whether an attempt is under way (its request sent or being sent). */
  attemptOpen(): boolean {
    return this.client !== null || (this.viaH2 && (this.h2 as MeshH2Up).up !== null);
  }

  /** The client's request ended (its whole body was read). */
  requestEnded(): void {
    this.reqEnded = true;
    if (this.viaH2) (this.h2 as MeshH2Up).requestEnded();
  }

  // === attempts ===

  dispatch(): void {
    const ep = this.endpoint as EndpointState;
    const conn = this.conn;
    const ctx = conn.ctx;
    if (this.attempts === 1) {
      if (this.requestMods !== null) this.block = modifyBlock(this.block, this.requestMods);
      if (this.backendMods !== null) this.block = modifyBlock(this.block, this.backendMods);
    }
    if (this.metrics === null || ctx.direction === 'outbound') this.metrics = ep.metrics.http;
    const pool = ctx.meshH2;
    if (pool !== null && (this.viaH2 || (this.attempts === 1 && upgrades(this, ep)))) {
      this.viaH2 = true;
      if (this.h2 === null) this.h2 = new MeshH2Up(this, pool);
      this.h2.dispatch();
      if (this.bodyBuf === null && this.bodyBytes > 0) this.retryable = false;
      return;
    }
    const c = acquire(ep, ctx.connector, ctx.ticker.now + ctx.timeouts.connectMs);
    c.user = this;
    c.parser.noBody = this.method === 'HEAD';
    this.client = c;
    const extra = ep.meshed && ctx.srcLine !== '' ? ctx.srcLine + this.hostLine : this.hostLine;
    const s = c.socket;
    // a head without a body goes out in one write: corking it would only add buffering
    if (this.bodyLength !== 0) conn.corkFor(s);
    s.write(`${this.startLine}${this.block}${extra}\r\n`, 'latin1');
    const body = this.bodyBuf;
    if (body !== null) for (let k = 0; k < body.length; k++) s.write(body[k] as Buffer);
    if (this.bodyBuf === null && this.bodyBytes > 0) this.retryable = false;
    conn.dispatched();
  }

  abortAttempt(): void {
    this.attemptDone(0, null, ProxyErrorReason.requestTimeout);
    const c = this.client;
    if (c === null) {
      if (!this.viaH2) return;
      (this.h2 as MeshH2Up).abort();
    } else {
      this.client = null;
      c.destroy();
    }
    const ep = this.endpoint;
    if (ep !== null && this.epStart !== 0) {
      ep.penalize(this.epStart);
      ep.recordOutcome(false, Date.now());
    }
    this.epStart = 0;
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
      if (this.conn.parser.versionMinor === 1)
        this.conn.socket.write(`${startLineOf(p)}${headerBlock(p)}\r\n`, 'latin1');
      return true;
    }
    this.interim = false;
    if (!this.acceptResponse(status)) return false;
    this.pendingHead = this.responseHead(p);
    return true;
  }

  /**
   * A final response head of the attempt in flight: false when the route retries its
   * status (the attempt is dropped and the request sent again), else it is the answer.
   */
  acceptResponse(status: number): boolean {
    this.attemptDone(status, null, null);
    if (retriesStatus(this, status)) {
      // the endpoint failed this request: steer the balancer away from it, then retry
      this.abortAttempt();
      this.again();
      return false;
    }
    const ep = this.endpoint as EndpointState;
    ep.end(this.epStart);
    ep.recordOutcome(status < 500, Date.now());
    this.epStart = 0;
    this.status = status;
    this.responded = true;
    this.clearTimer();
    const m = this.metrics as HttpMetrics;
    m.request();
    m.response(status, performance.now() - this.start, status >= 500);
    return true;
  }

  /** The response head to send for the endpoint's head `p` (connection header adjusted). */
  responseHead(p: Http1Parser): string {
    return this.responseHeadOf(startLineOf(p), headerBlock(p), p.untilEof);
  }

  /** The response head of a status line and header block (the Connection header adjusted). */
  responseHeadOf(statusLine: string, block0: string, untilEof: boolean): string {
    const conn0 = this.conn;
    const mods = this.responseMods;
    // the client connection stays open only if the response is framed and nobody asked to close
    const close = !conn0.keepAlive || untilEof || conn0.ctx.draining || conn0.closing;
    if (close) conn0.keepAlive = false;
    const minor = conn0.parser.versionMinor;
    const conn =
      close && minor === 1
        ? 'connection: close\r\n'
        : !close && minor === 0
          ? 'connection: keep-alive\r\n'
          : '';
    const block = mods === null ? block0 : modifyBlock(block0, mods);
    return `${statusLine}${block}${conn}\r\n`;
  }

  onResponseBody(cc: ClientConn, chunk: Buffer): void {
    const head = this.pendingHead;
    const down = this.conn.socket;
    let ok: boolean;
    if (head === null) {
      ok = down.write(chunk);
      this.wroteView = true;
    } else {
      this.pendingHead = null;
      if (chunk.length <= MERGE_BODY_MAX) {
        // one latin1 string (a lossless byte copy) for head and small body: one syscall
        ok = down.write(head + chunk.toString('latin1'), 'latin1');
      } else {
        down.write(head, 'latin1');
        ok = down.write(chunk);
        this.wroteView = true;
      }
    }
    if (!ok) cc.socket.pause();
    countStreamed(chunk.length);
  }

  /** Writes a response head still held back (no body byte came with it). */
  flushHead(): void {
    const head = this.pendingHead;
    if (head !== null) {
      this.pendingHead = null;
      this.conn.socket.write(head, 'latin1');
    }
  }

  /** The response of an attempt over HTTP/2 was written whole. */
  h2Done(): void {
    this.viaH2 = false;
    this.conn.finish();
  }

  onResponseEnd(cc: ClientConn, _p: Http1Parser): boolean {
    if (this.interim) return true; // a 1xx ended; the real response follows
    this.flushHead();
    this.client = null;
    if (this.reqEnded) cc.release(this.conn.ctx.ticker.now);
    else {
      // the endpoint answered before reading the whole request: neither side can be reused
      cc.destroy();
      this.conn.keepAlive = false;
    }
    this.conn.finish();
    return true;
  }

  onUpstreamFailure(cc: ClientConn, err: unknown): void {
    if (cc !== this.client) return;
    this.client = null;
    const ep = this.endpoint;
    if (this.responded) {
      // mid-response: the client must see a truncated message, not a forged end
      this.conn.abort();
      return;
    }
    const code = (err as { code?: string } | null)?.code;
    const stale = cc.reused && !cc.gotBytes && (code === 'ECONNRESET' || code === 'EPIPE');
    const reason =
      code === 'WEFT_BAD_RESPONSE' ? ProxyErrorReason.badResponse : reasonOfSocketError(err, cc.connected);
    this.attemptDone(0, null, reason);
    if (ep !== null && this.epStart !== 0) {
      ep.penalize(this.epStart);
      if (!stale) ep.recordOutcome(false, Date.now());
    }
    this.epStart = 0;
    const connectFailure =
      reason === ProxyErrorReason.connectRefused || reason === ProxyErrorReason.connectTimeout;
    if (mayRetry(this, stale, connectFailure)) {
      this.again();
      return;
    }
    this.fail(reason);
  }

  batchStart(): void {
    this.wroteView = false;
  }

  batchEnd(): void {
    this.flushHead();
  }

  retains(): number {
    const s = this.conn.socket;
    // Only a Buffer written as is references the read buffer; strings are copies. A TLS
    // socket never flushes at once (its writes complete later), so without this check
    // every response would cost the endpoint connection a fresh 64 KiB read buffer.
    if (!this.wroteView || s.writableLength === 0) return FREE;
    // a paused endpoint socket reads again only on our 'drain', when all is flushed
    // (over plain TCP: client-conn.ts treats a paused TLS socket as still reading)
    return this.client?.socket.isPaused() ? HELD_PAUSED : HELD;
  }

  onUpstreamDrain(_cc: ClientConn): void {
    this.conn.upstreamDrained();
  }

  // === answers of the proxy's own ===

  /** Drops the endpoint connection of the attempt in flight (the exchange is over). */
  dropClient(): void {
    if (this.viaH2) {
      this.viaH2 = false;
      (this.h2 as MeshH2Up).abort();
      const ep = this.endpoint;
      if (ep !== null && this.epStart !== 0) ep.end(this.epStart);
      this.epStart = 0;
      return;
    }
    const c = this.client;
    if (c === null) return;
    this.client = null;
    c.destroy();
    const ep = this.endpoint;
    if (ep !== null && this.epStart !== 0) ep.end(this.epStart);
    this.epStart = 0;
  }

  fail(reason: ProxyErrorReason): void {
    if (this.conn.socket.destroyed) return;
    this.failReason = reason;
    this.attemptDone(0, null, reason);
    this.dropClient();
    if (this.responded) {
      this.conn.abort();
      return;
    }
    const status = this.answerStatus !== 0 ? this.answerStatus : responseFor(reason).status;
    const extra = this.retryAfter > 0 ? `retry-after: ${this.retryAfter}\r\n` : '';
    this.answer(status, reason, extra, true);
  }

  redirect(status: number, location: string): void {
    if (this.conn.socket.destroyed) return;
    this.answer(status, '', `location: ${location}\r\n`, false);
  }

  private answer(status: number, reason: ProxyErrorReason | '', extra: string, failure: boolean): void {
    const conn = this.conn;
    const m = this.metrics ?? this.concrete?.authorityMetrics?.http ?? conn.ctx.unroutedMetrics;
    m.request();
    m.response(status, performance.now() - this.start, failure);
    this.status = status;
    this.responded = true;
    this.clearTimer();
    // an unread request body cannot be skipped safely: close after answering
    if (!this.reqEnded || conn.ctx.draining) conn.keepAlive = false;
    const close = !conn.keepAlive;
    conn.socket.write(
      reason === '' ? http1Redirect(status, extra, close) : http1Answer(status, reason, close, extra),
      'latin1',
    );
    if (this.reqEnded) conn.finish();
    else conn.end();
  }
}
