/**
 * The outbound half of HTTP/1 carried over HTTP/2 between meshed proxies: one attempt of
 * an HTTP/1 request (`Http1Exchange`) sent as a stream on a pooled h2wire session (mTLS,
 * ALPN h2) to the endpoint's proxy, its response written back to the HTTP/1 client.
 *
 * - The request head becomes h2 fields (`translate.ts`) with the `weft-orig-proto` marker;
 *   a Content-Length body follows as DATA (requests with a chunked body, Expect or an
 *   Upgrade are never upgraded: see `upgrades()`), and a retry replays the kept body.
 * - The response head becomes an HTTP/1 head: Content-Length kept; otherwise a 1.1 client
 *   gets a chunked body (with the h2 trailers as chunked trailers), a 1.0 client a body
 *   delimited by the connection's close. HEAD, 204 and 304 carry no body.
 * - Backpressure: the request body waits in the client's socket while the stream's queue
 *   is full; response DATA is credited back to the peer only once the client's socket took it.
 * - A stream that fails before the response head is retried or answered as the HTTP/1
 *   path does; after it, the client's connection is closed so a truncated body never
 *   looks whole.
 */
import type { EndpointState } from '../balance/endpoint.ts';
import { ProxyError, ProxyErrorReason, reasonOfSocketError } from '../errors/respond.ts';
import type { ClientSession } from '../h2/wire/client-session.ts';
import type { WirePool, WireWaiter } from '../h2/wire/pool.ts';
import type { StreamOwner, WireStream } from '../h2/wire/stream.ts';
import { CANCEL, REFUSED_STREAM } from '../h2wire/errors.ts';
import { STREAM_WINDOW } from '../h2wire/local-settings.ts';
import type { Http1Exchange } from '../http/server-exchange.ts';
import { mayRetry } from '../stack/exchange.ts';
import { headerLines, requestFields, statusLine, trailerLines } from './translate.ts';

/** A stream that could not be opened because its session was going away (not processed). */
const SESSION_GONE = Object.assign(new Error('the HTTP/2 session to the endpoint is going away'), {
  code: 'ERR_HTTP2_GOAWAY_SESSION',
});

/** Response bodies up to this size leave in the same write as their head. */
const MERGE_BODY_MAX = 16 * 1024;

/** Whether an HTTP/1 request to `ep` is carried over HTTP/2 (the caller checked the setting). */
export function upgrades(ex: Http1Exchange, ep: EndpointState): boolean {
  return ep.meshed && ep.identity !== undefined && ex.bodyLength >= 0 && !ex.conn.parser.expectContinue;
}

export class MeshH2Up implements WireWaiter, StreamOwner {
  queuedOn: object | null = null;
  queuedAt = 0;
  up: WireStream | null = null;
  private session: ClientSession | null = null;
  private slotHeld = false;
  /** The request's h2 fields, made at the first attempt (filters applied). */
  private fields: string[] | null = null;
  private upHead = false;
  /** The response body goes to the client chunked; or until the connection closes. */
  private chunked = false;
  /** The response ended (the exchange is finishing). */
  private done = false;
  /** Response octets written to a client socket that is full: credited once it drains. */
  private owed = 0;
  private owedTo: WireStream | null = null;

  constructor(
    readonly ex: Http1Exchange,
    readonly pool: WirePool,
  ) {}

  /** A new request on the client connection. */
  reset(): void {
    this.fields = null;
    this.done = false;
    this.chunked = false;
  }

  dispatch(): void {
    const ex = this.ex;
    if (this.fields === null) {
      // the Host (an HTTP/1.0 request may have none: the destination's authority then)
      const host =
        ex.hostLine !== '' ? ex.hostLine.slice(6, -2) : ex.conn.parser.host || (ex.target?.authority ?? '');
      const src = ex.conn.ctx.srcLine;
      this.fields = requestFields(ex.method, ex.path, host, ex.block, src === '' ? '' : src.slice(10, -2));
    }
    const session = this.pool.acquire(ex.endpoint as EndpointState, this);
    if (session !== null) this.open(session);
  }

  sessionReady(session: ClientSession | null, error: ProxyError | null): void {
    if (session === null) {
      this.failed(error, false);
      return;
    }
    const ex = this.ex;
    if (ex.gone || ex.responded || this.up !== null || ex.endpoint === null) {
      this.pool.release(session);
      return;
    }
    this.open(session);
  }

  private open(session: ClientSession): void {
    const ex = this.ex;
    this.session = session;
    this.slotHeld = true;
    this.upHead = false;
    const noBody = ex.bodyLength === 0;
    const up = session.request(this.fields as string[], noBody, this);
    if (up === null) {
      this.failed(SESSION_GONE, true);
      return;
    }
    this.up = up;
    if (!noBody) {
      const body = ex.bodyBuf;
      if (body !== null) for (let k = 0; k < body.length; k++) up.write(body[k] as Buffer, false);
      if (ex.reqEnded) up.end(null);
    }
    ex.conn.dispatched();
  }

  /** A slice of the request body (already kept for a retry by the exchange). */
  body(chunk: Buffer): void {
    const up = this.up;
    if (up === null || up.closed) return;
    up.write(chunk, false);
    if (up.queued > STREAM_WINDOW) this.ex.conn.socket.pause();
  }

  /** The client's request ended. */
  requestEnded(): void {
    const up = this.up;
    if (up !== null && !up.closed) up.end(null);
  }

  /** The client's socket drained: what was written meanwhile is credited back. */
  clientDrained(): void {
    const s = this.owedTo;
    if (s === null) return;
    const n = this.owed;
    this.owed = 0;
    this.owedTo = null;
    s.consumed(n);
  }

  private releaseSlot(): void {
    if (!this.slotHeld || this.session === null) return;
    this.slotHeld = false;
    this.pool.release(this.session);
  }

  /** Drops the attempt in flight (timeout, retry, the exchange is over). */
  abort(): void {
    this.queuedOn = null;
    this.clientDrained(); // what the client will never read is credited back all the same
    const up = this.up;
    this.up = null;
    this.releaseSlot();
    if (up !== null) up.reset(CANCEL);
  }

  private failed(error: unknown, unprocessed: boolean): void {
    const ex = this.ex;
    const s = this.session;
    this.abort();
    const reason =
      error instanceof ProxyError
        ? error.reason
        : s === null
          ? ProxyErrorReason.internal
          : reasonOfSocketError(s.error ?? error, s.ready);
    ex.attemptDone(0, null, reason);
    const ep = ex.endpoint;
    if (ep !== null && ex.epStart !== 0) {
      ep.penalize(ex.epStart);
      if (!unprocessed) ep.recordOutcome(false, Date.now());
    }
    ex.epStart = 0;
    const connectFailure =
      reason === ProxyErrorReason.connectRefused || reason === ProxyErrorReason.connectTimeout;
    if (mayRetry(ex, unprocessed, connectFailure || unprocessed)) ex.again();
    else ex.fail(reason);
  }

  // === impl StreamOwner ===

  onStreamHeaders(stream: WireStream, fields: string[], end: boolean): void {
    if (stream !== this.up) return;
    if (this.upHead) {
      this.finish(fields);
      return;
    }
    const ex = this.ex;
    const minor = ex.conn.parser.versionMinor;
    const status = Number(fields[1]);
    if (status < 200) {
      if (status !== 101 && minor === 1 && !ex.responded)
        ex.conn.socket.write(`${statusLine(status, 1)}${headerLines(fields, false, '')}\r\n`, 'latin1');
      return;
    }
    this.upHead = true;
    if (!ex.acceptResponse(status)) return; // retried
    let framing = '';
    let untilEof = false;
    this.chunked = false;
    if (ex.method !== 'HEAD' && status !== 204 && status !== 304 && !hasLength(fields)) {
      if (end) framing = 'content-length: 0\r\n';
      else if (minor === 1) {
        this.chunked = true;
        framing = 'transfer-encoding: chunked\r\n';
      } else untilEof = true;
    }
    ex.pendingHead = ex.responseHeadOf(
      statusLine(status, minor),
      headerLines(fields, false, '') + framing,
      untilEof,
    );
    if (end) this.finish(null);
  }

  onStreamData(stream: WireStream, chunk: Buffer, end: boolean): void {
    if (stream !== this.up || this.done) {
      stream.consumed(chunk.length);
      return;
    }
    const n = chunk.length;
    if (n > 0) {
      const socket = this.ex.conn.socket;
      const head = this.ex.pendingHead;
      this.ex.pendingHead = null;
      let ok: boolean;
      if (this.chunked) {
        const size = `${n.toString(16)}\r\n`;
        if (n <= MERGE_BODY_MAX)
          ok = socket.write(`${head ?? ''}${size}${chunk.toString('latin1')}\r\n`, 'latin1');
        else {
          socket.write(`${head ?? ''}${size}`, 'latin1');
          socket.write(chunk);
          ok = socket.write('\r\n', 'latin1');
        }
      } else if (head !== null && n <= MERGE_BODY_MAX)
        ok = socket.write(head + chunk.toString('latin1'), 'latin1');
      else {
        if (head !== null) socket.write(head, 'latin1');
        ok = socket.write(chunk);
      }
      if (ok) stream.consumed(n);
      else {
        if (this.owedTo !== stream) this.clientDrained();
        this.owed += n;
        this.owedTo = stream;
      }
    }
    if (end) this.finish(null);
  }

  /** The response ended (`trailers`, when it ended with some). */
  private finish(trailers: string[] | null): void {
    if (this.done) return;
    this.done = true;
    const ex = this.ex;
    ex.flushHead();
    if (this.chunked)
      ex.conn.socket.write(trailers === null ? '0\r\n\r\n' : `0\r\n${trailerLines(trailers)}\r\n`, 'latin1');
    // the stream is done with: a next request on this connection may open another at once
    const up = this.up;
    this.up = null;
    this.releaseSlot();
    if (up !== null && !up.localEnded) {
      // answered before the whole request was sent: the client connection is not reused
      up.reset(CANCEL);
      ex.conn.keepAlive = false;
    }
    ex.h2Done();
  }

  onStreamClose(stream: WireStream): void {
    if (stream !== this.up) return;
    this.up = null;
    this.releaseSlot();
    if (this.done) return;
    if (!this.ex.responded) {
      this.failed(
        new Error(`HTTP/2 stream reset by the endpoint's proxy (code ${stream.rstCode})`),
        stream.rstCode === REFUSED_STREAM,
      );
      return;
    }
    // reset or lost mid-response: the client must see a truncated message
    this.ex.conn.abort();
  }

  onStreamDrain(stream: WireStream): void {
    if (stream === this.up && !this.ex.reqEnded) this.ex.conn.upstreamDrained();
  }
}

function hasLength(fields: readonly string[]): boolean {
  for (let i = 2; i < fields.length; i += 2) if (fields[i] === 'content-length') return true;
  return false;
}
