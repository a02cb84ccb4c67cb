/**
 * The inbound half of HTTP/1 carried over HTTP/2 between meshed proxies: a request stream
 * (`WirePair`) that arrived over mTLS from a meshed peer with the `weft-orig-proto` marker
 * goes to the app as HTTP/1 on a pooled keep-alive connection (`http/client-conn.ts`), as
 * it would have had the peer sent HTTP/1; the app's response goes back as h2, marked.
 *
 * - The request head: `:authority` becomes Host, a body without a length goes chunked
 *   (request trailers as chunked trailers); `weft-src` and the marker are not forwarded.
 * - The response: 1xx (not 101) relayed; the final head checked against the route's retry
 *   policy; Content-Length kept; a chunked body leaves as plain DATA and its trailers as
 *   an h2 trailers block. A response cut short resets the stream (never a clean end).
 * - Backpressure both ways: request DATA is credited back to the peer only once the app's
 *   socket took it; the app's socket pauses while the stream's queue is over a window.
 */
import type { EndpointState } from '../balance/endpoint.ts';
import { ProxyErrorReason, reasonOfSocketError } from '../errors/respond.ts';
import type { WirePair } from '../h2/wire/pair.ts';
import { INTERNAL_ERROR } from '../h2wire/errors.ts';
import { STREAM_WINDOW } from '../h2wire/local-settings.ts';
import { acquire, type ClientConn, type ClientConnUser, FREE } from '../http/client-conn.ts';
import type { HttpContext } from '../http/context.ts';
import { type Http1Parser, headerBlock } from '../http/parser.ts';
import { HEAD } from '../http/parser-states.ts';
import { mayRetry, retriesStatus } from '../stack/exchange.ts';
import { Dechunker, type DechunkOwner, trailerFields } from './dechunk.ts';
import { headerLines, responseFields, trailerLines } from './translate.ts';

/** What the frame writer copies at once (larger DATA payloads are written by reference). */
const COPY_LIMIT = 2048;

export class MeshH1Up implements ClientConnUser, DechunkOwner {
  client: ClientConn | null = null;
  /** The request head as sent to the app (made at the first attempt). */
  private head = '';
  /** The request body goes chunked (the peer sent no length). */
  private chunkedReq = false;
  /** The request's end was written to the app. */
  private sentEnd = false;
  private interim = false;
  private readonly dechunk = new Dechunker();
  private chunkedRes = false;
  /** Request octets written to an app socket that is full: credited once it drains. */
  private owed = 0;
  constructor(
    readonly pair: WirePair,
    readonly ctx: HttpContext,
  ) {}

  dispatch(fields: readonly string[]): void {
    const pair = this.pair;
    const ep = pair.endpoint as EndpointState;
    if (this.head === '') {
      let framing = '';
      if (!pair.endStream && pair.bodyLength < 0) {
        this.chunkedReq = true;
        framing = 'transfer-encoding: chunked\r\n';
      }
      this.head = `${pair.method} ${pair.path} HTTP/1.1\r\n${headerLines(fields, true, 'weft-src')}${framing}\r\n`;
    }
    const ctx = this.ctx;
    const c = acquire(ep, ctx.connector, ctx.ticker.now + ctx.timeouts.connectMs);
    c.user = this;
    c.parser.noBody = pair.method === 'HEAD';
    this.client = c;
    this.interim = false;
    this.sentEnd = false;
    this.owed = 0;
    const s = c.socket;
    if (pair.endStream) {
      s.write(this.head, 'latin1');
      this.sentEnd = true;
      return;
    }
    s.cork();
    s.write(this.head, 'latin1');
    const kept = pair.bodyBuf;
    if (kept !== null) for (let k = 0; k < kept.length; k++) this.send(kept[k] as Buffer);
    const pending = pair.pending;
    pair.pending = null;
    if (pending !== null) for (let k = 0; k < pending.length; k++) this.body(pending[k] as Buffer);
    if (pair.requestEnded) this.end(pair.requestTrailers);
    s.uncork();
  }

  /** A request body chunk from the peer (credited back once written). */
  body(chunk: Buffer): void {
    this.pair.keep(chunk);
    if (this.send(chunk)) this.pair.down.consumed(chunk.length);
    else this.owed += chunk.length;
  }

  private send(chunk: Buffer): boolean {
    const s = (this.client as ClientConn).socket;
    if (!this.chunkedReq) return s.write(chunk);
    if (chunk.length === 0) return true;
    s.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    s.write(chunk);
    return s.write('\r\n', 'latin1');
  }

  /** The peer ended the request (with trailers, or null). */
  end(trailers: readonly string[] | null): void {
    const c = this.client;
    if (c === null || this.sentEnd) return;
    this.sentEnd = true;
    if (this.chunkedReq)
      c.socket.write(trailers === null ? '0\r\n\r\n' : `0\r\n${trailerLines(trailers)}\r\n`, 'latin1');
  }

  /** Drops the attempt's app connection. */
  abort(): void {
    const c = this.client;
    if (c === null) return;
    this.client = null;
    c.destroy();
    if (this.owed > 0) {
      this.pair.down.consumed(this.owed);
      this.owed = 0;
    }
  }

  /** The stream's queue to the peer drained: the app's response may flow again. */
  downDrained(): void {
    const c = this.client;
    if (c?.socket.isPaused()) c.socket.resume();
  }

  // === impl ClientConnUser ===

  onResponseHead(cc: ClientConn, p: Http1Parser): boolean {
    const pair = this.pair;
    const down = pair.down;
    const status = p.status;
    if (status < 200) {
      if (status === 101) {
        this.onUpstreamFailure(cc, Object.assign(new Error('unexpected 101'), { code: 'WEFT_BAD_RESPONSE' }));
        return false;
      }
      this.interim = true;
      if (!pair.responded && !down.closed)
        down.session.sendHeaders(down.id, responseFields(status, headerBlock(p)), false);
      return true;
    }
    this.interim = false;
    pair.attemptDone(status, null, null);
    if (retriesStatus(pair, status)) {
      pair.abortAttempt();
      pair.again();
      return false;
    }
    pair.settle(status < 500);
    pair.clearTimer();
    pair.latencyMs = performance.now() - pair.start;
    pair.responded = true;
    pair.status = status;
    if (down.closed) return true;
    this.chunkedRes = p.chunked;
    if (p.chunked) this.dechunk.reset();
    const noBody = p.state === HEAD;
    let fields = responseFields(status, headerBlock(p));
    const mods = pair.responseMods;
    if (mods !== null) fields = pair.modified(fields, mods);
    // a head that ends the stream closes it at once: the app connection is done with
    // first, so the stream's close does not take it down (`onResponseEnd` releases it)
    if (noBody) this.client = null;
    down.sendHeaders(fields, noBody);
    return true;
  }

  onResponseBody(cc: ClientConn, chunk: Buffer): void {
    if (this.chunkedRes) this.dechunk.feed(chunk, this);
    else this.toClient(chunk);
    if (this.pair.down.queued > STREAM_WINDOW) cc.socket.pause();
  }

  onDechunked(slice: Buffer): void {
    this.toClient(slice);
  }

  private toClient(slice: Buffer): void {
    const down = this.pair.down;
    if (down.closed || slice.length === 0) return;
    const n = slice.length;
    const s = down.session;
    // the frame writer copies small payloads sent at once; others it keeps: copy those
    // (the app connection's read buffer is reused)
    const now =
      down.queued === 0 && n <= COPY_LIMIT && n <= down.window && n <= s.sendWindow && !s.congested();
    down.write(now ? slice : Buffer.from(slice), false);
  }

  onResponseEnd(cc: ClientConn, _p: Http1Parser): boolean {
    if (this.interim) {
      this.interim = false;
      return true;
    }
    this.client = null;
    if (this.sentEnd) cc.release(this.ctx.ticker.now);
    else cc.destroy();
    const down = this.pair.down;
    if (!down.localEnded && !down.closed) {
      const t = this.chunkedRes ? this.dechunk.trailers : '';
      down.end(t === '' ? null : trailerFields(t));
    }
    return true;
  }

  onUpstreamFailure(cc: ClientConn, err: unknown): void {
    if (cc !== this.client) return;
    this.client = null;
    const pair = this.pair;
    if (pair.responded) {
      // mid-response: the peer (and its client) must see a truncated message
      if (!pair.down.localEnded) pair.down.reset(INTERNAL_ERROR);
      return;
    }
    const code = (err as { code?: string } | null)?.code;
    const stale = cc.reused && !cc.gotBytes && (code === 'ECONNRESET' || code === 'EPIPE');
    const reason =
      code === 'WEFT_BAD_RESPONSE' ? ProxyErrorReason.badResponse : reasonOfSocketError(err, cc.connected);
    pair.attemptDone(0, null, reason);
    const ep = pair.endpoint;
    if (ep !== null && pair.epStart !== 0) {
      ep.penalize(pair.epStart);
      if (!stale) ep.recordOutcome(false, Date.now());
    }
    pair.epStart = 0;
    const connectFailure =
      reason === ProxyErrorReason.connectRefused || reason === ProxyErrorReason.connectTimeout;
    if (mayRetry(pair, stale, connectFailure)) {
      pair.again();
      return;
    }
    pair.fail(reason);
  }

  onUpstreamDrain(_cc: ClientConn): void {
    const n = this.owed;
    if (n === 0) return;
    this.owed = 0;
    this.pair.down.consumed(n);
  }

  batchStart(): void {}

  batchEnd(): void {}

  retains(): number {
    return FREE;
  }
}
