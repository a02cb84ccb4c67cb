/**
 * One HTTP/2 (or gRPC) request in the pipeline on the h2wire engine, as `../stream-pair.ts`
 * is on node:http2: the client's stream (`down`), the endpoint's stream of the attempt in
 * flight (`up`, on a pooled `ClientSession`), and what the pipeline decided (`Exchange`).
 *
 * - The request body goes to the attempt as it comes; while no attempt is open it waits
 *   (bounded by the stream window we gave the client: no credit goes back meanwhile). A
 *   retry replays the body kept for it (at most MAX_RETRY_BODY) and then what follows.
 * - Response headers, 1xx, DATA and trailers go to the client (`response.ts`); a trailers-only response
 *   stays trailers-only. A retryable response head (a status, or a trailers-only gRPC
 *   status, the route retries) is dropped and the request replayed on another attempt.
 * - Failures before the response head become the proxy's answer (an HTTP status with
 *   `weft-proxy-error`, or for gRPC a trailers-only `grpc-status`); after it, the client's
 *   stream is reset so a truncated body is never taken for a whole one.
 */

import type { EndpointState } from '../../balance/endpoint.ts';
import type { ConnTarget } from '../../detect/handoff.ts';
import {
  grpcStatusFor,
  h2Answer,
  h2GrpcAnswer,
  ProxyError,
  ProxyErrorReason,
  reasonOfSocketError,
  responseFor,
} from '../../errors/respond.ts';
import { CANCEL, NO_ERROR, REFUSED_STREAM } from '../../h2wire/errors.ts';
import type { MeshH1Up } from '../../mesh-h2/inbound-up.ts';
import { markedHttp1 } from '../../mesh-h2/marked.ts';
import { ORIG_PROTO } from '../../mesh-h2/translate.ts';
import type { H2FloodMetrics } from '../../metrics/h2-floods.ts';
import type { HttpMetrics } from '../../metrics/handles.ts';
import { Exchange, mayRetry } from '../../stack/exchange.ts';
import { MAX_RETRY_BODY } from '../../stack/layers.ts';
import type { HeaderModifierView } from '../../stack/plan-view.ts';
import type { ClientSession } from './client-session.ts';
import { type HeaderObject, toFields, toObject } from './headers.ts';
import type { WirePool, WireWaiter } from './pool.ts';
import { upClosed, upHeaders } from './response.ts';
import type { StreamOwner, WireStream } from './stream.ts';

/** What the pairs of one client connection share. */
export interface PairContext {
  readonly pool: WirePool;
  readonly target: ConnTarget;
  readonly floods: H2FloodMetrics | null;
  readonly callerId: string | undefined;
  readonly peerIdentity: string | undefined;
  readonly peerAddress: string | undefined;
  readonly inboundHttp: HttpMetrics | null;
}

/** What the pair needs of its client connection. */
interface DownSession {
  countReset(): void;
}

/** A stream that could not be opened because its session was going away (not processed). */
const SESSION_GONE = Object.assign(new Error('the HTTP/2 session to the endpoint is going away'), {
  code: 'ERR_HTTP2_GOAWAY_SESSION',
});
const EMPTY_BODY: Buffer[] = [];

/** Starts the pipeline for a new request stream. */
export function startPair(
  ctx: PairContext,
  session: DownSession,
  down: WireStream,
  fields: readonly string[],
  end: boolean,
): void {
  const pair = new WirePair(ctx, session, down, toObject(fields), end);
  down.owner = pair;
  if (pair.headers[ORIG_PROTO] !== undefined) markedHttp1(pair);
  if (ctx.target.ctx.draining) {
    pair.fail(ProxyErrorReason.draining);
    return;
  }
  ctx.target.ctx.stack.start(pair, ctx.target);
}

export class WirePair extends Exchange implements WireWaiter, StreamOwner {
  /** Set for an HTTP/1 request carried over HTTP/2 by a meshed peer: its attempts go to the app as HTTP/1. */
  h1: MeshH1Up | null = null;
  /** Its metrics (by Host and caller), when so. */
  labelled: HttpMetrics | null = null;
  up: WireStream | null = null;
  upSession: ClientSession | null = null;
  slotHeld = false;
  /** The response head of the attempt in flight arrived. */
  upHead = false;
  queuedOn: object | null = null;
  queuedAt = 0;
  /** Request body received while no attempt is open (not yet credited), or null. */
  pending: Buffer[] | null = null;
  /** The client ended the request. */
  requestEnded: boolean;
  /** Request body kept for a retry (bounded by MAX_RETRY_BODY), or null. */
  bodyBuf: Buffer[] | null = null;
  bodyBytes = 0;
  /** The request head as sent to the endpoint (filters applied), made at the first dispatch. */
  upFields: string[] | null = null;
  latencyMs = 0;
  status = 0;
  grpcStatus: number | null = null;
  requestTrailers: string[] | null = null;
  counted: HttpMetrics | null = null;
  error: unknown = null;

  constructor(
    readonly ctx: PairContext,
    readonly session: DownSession,
    readonly down: WireStream,
    readonly headers: HeaderObject,
    readonly endStream: boolean,
  ) {
    super();
    this.requestEnded = endStream;
    this.method = String(headers[':method'] ?? 'GET');
    this.path = String(headers[':path'] ?? '/');
    const ct = headers['content-type'];
    this.isGrpc = typeof ct === 'string' && ct.startsWith('application/grpc');
    const length = headers['content-length'];
    this.bodyLength = endStream ? 0 : length !== undefined ? Number(length) || 0 : -1;
    if (!endStream) this.bodyBuf = [];
    this.start = performance.now();
  }

  header(lowerName: string): string | undefined {
    // an HTTP/1 request carried over HTTP/2 has its Host as :authority
    const v = this.headers[lowerName === 'host' && this.h1 !== null ? ':authority' : lowerName];
    return Array.isArray(v) ? v[0] : v;
  }

  override headerNames(): readonly string[] {
    const names = Object.keys(this.headers);
    if (!(ORIG_PROTO in this.headers)) return names;
    // a marker was stripped: name the headers as its HTTP/1 request had them
    const out: string[] = [];
    for (const n of names) {
      if (n === ORIG_PROTO) continue;
      out.push(n === ':authority' && this.h1 !== null ? 'host' : n);
    }
    return out;
  }

  caller(): string | undefined {
    return this.ctx.callerId;
  }

  peerIdentity(): string | undefined {
    return this.ctx.peerIdentity;
  }

  peerAddress(): string | undefined {
    return this.ctx.peerAddress;
  }

  get gone(): boolean {
    return this.down.closed;
  }

  /** A request body chunk on its way to `up`: kept while the request may be retried. */
  keep(chunk: Buffer): void {
    const buf = this.bodyBuf;
    if (buf === null) return;
    this.bodyBytes += chunk.length;
    if (!this.retryable || this.bodyBytes > MAX_RETRY_BODY) {
      this.bodyBuf = null;
      this.retryable = false;
    } else buf.push(chunk);
  }

  dispatch(): void {
    const ep = this.endpoint as EndpointState;
    if (this.counted === null) {
      const m = this.labelled ?? this.ctx.inboundHttp ?? ep.metrics.http;
      this.counted = m;
      m.request();
      this.requestMods?.applyToObject(this.headers);
      this.backendMods?.applyToObject(this.headers);
      this.upFields = toFields(this.headers);
    }
    if (this.h1 !== null) {
      this.h1.dispatch(this.upFields as string[]);
      return;
    }
    const session = this.ctx.pool.acquire(ep, this);
    if (session !== null) this.openUpstream(session);
  }

  sessionReady(session: ClientSession | null, error: ProxyError | null): void {
    if (session === null) {
      this.attemptFailed(error);
      return;
    }
    if (this.gone || this.responded || this.up !== null) {
      this.ctx.pool.release(session);
      return;
    }
    this.openUpstream(session);
  }

  /** Opens the attempt's stream on `session` (a slot is reserved) and sends the request. */
  private openUpstream(session: ClientSession): void {
    this.upSession = session;
    this.slotHeld = true;
    this.upHead = false;
    const up = session.request(this.upFields as string[], this.endStream, this);
    if (up === null) {
      this.attemptFailed(SESSION_GONE);
      return;
    }
    this.up = up;
    if (this.endStream) return;
    up.creditTo = this.down;
    const kept = this.bodyBuf ?? EMPTY_BODY;
    for (let k = 0; k < kept.length; k++) up.write(kept[k] as Buffer, false);
    const pending = this.pending;
    this.pending = null;
    if (pending !== null) {
      for (let k = 0; k < pending.length; k++) {
        const chunk = pending[k] as Buffer;
        this.keep(chunk);
        up.write(chunk, true);
      }
    }
    if (this.requestEnded) up.end(this.requestTrailers);
  }

  releaseSlot(): void {
    if (!this.slotHeld || this.upSession === null) return;
    this.slotHeld = false;
    this.ctx.pool.release(this.upSession);
  }

  settle(ok: boolean): void {
    const ep = this.endpoint;
    if (ep === null || this.epStart === 0) return;
    if (ok) ep.end(this.epStart);
    else ep.penalize(this.epStart);
    this.epStart = 0;
    ep.recordOutcome(ok, Date.now());
  }

  abortAttempt(): void {
    this.attemptDone(0, null, ProxyErrorReason.requestTimeout);
    this.queuedOn = null;
    this.h1?.abort();
    const up = this.up;
    this.up = null;
    this.releaseSlot();
    this.settle(false);
    if (up !== null) up.reset(CANCEL);
  }

  attemptFailed(error: unknown): void {
    const up = this.up;
    const unprocessed =
      up !== null
        ? up.rstCode === REFUSED_STREAM
        : (error as { code?: unknown } | null)?.code === 'ERR_HTTP2_GOAWAY_SESSION';
    const reason = this.reasonOf(error);
    this.attemptDone(0, null, reason);
    this.abortAttempt();
    const connectFailure =
      reason === ProxyErrorReason.connectRefused || reason === ProxyErrorReason.connectTimeout;
    const again =
      connectFailure || unprocessed
        ? mayRetry(this, unprocessed, true)
        : this.retry?.retriesGrpc(14) === true && mayRetry(this, false);
    if (again) {
      this.again();
      return;
    }
    if (this.error === null) this.error = error;
    this.fail(reason);
  }

  private reasonOf(error: unknown): ProxyErrorReason {
    if (error instanceof ProxyError) return error.reason;
    const s = this.upSession;
    if (s === null) return ProxyErrorReason.internal;
    return reasonOfSocketError(s.error ?? error, s.ready);
  }

  fail(reason: ProxyErrorReason): void {
    this.failReason = reason;
    this.queuedOn = null;
    if (this.up !== null || (this.h1 !== null && this.h1.client !== null)) {
      this.attemptDone(0, null, reason);
      this.abortAttempt();
    }
    this.clearTimer();
    const { down } = this;
    if (down.closed || down.headersSent) {
      if (this.responded) down.reset(CANCEL);
      return;
    }
    this.responded = true;
    this.latencyMs = performance.now() - this.start;
    if (this.isGrpc) {
      const grpcStatus = this.answerGrpc >= 0 ? this.answerGrpc : grpcStatusFor(reason);
      this.status = 200;
      this.grpcStatus = grpcStatus;
      down.sendHeaders(toFields(h2GrpcAnswer(reason, grpcStatus)), true);
    } else {
      const status = this.answerStatus !== 0 ? this.answerStatus : responseFor(reason).status;
      this.status = status;
      const body = Buffer.from(`weft proxy: ${reason}\n`);
      const h = h2Answer(status, reason, this.retryAfter);
      // an HTTP/1 caller behind the peer proxy gets the length, as from the HTTP/1 path
      if (this.h1 !== null) h['content-length'] = body.length;
      down.sendHeaders(toFields(h), false);
      down.write(body, false);
      down.end(null);
    }
    this.stopReading();
  }

  redirect(status: number, location: string): void {
    const { down } = this;
    if (down.closed || down.headersSent) return;
    this.clearTimer();
    this.responded = true;
    this.status = status;
    this.latencyMs = performance.now() - this.start;
    down.sendHeaders([':status', String(status), 'location', location], true);
    this.stopReading();
  }

  /** Answered by the proxy while the client still sends: the rest of the request is not wanted. */
  private stopReading(): void {
    const down = this.down;
    if (!down.closed && down.localEnded && !down.remoteEnded) down.reset(NO_ERROR);
  }

  // === impl StreamOwner ===

  onStreamData(stream: WireStream, chunk: Buffer, end: boolean): void {
    if (stream === this.down) {
      if (end) this.requestEnded = true;
      const h1 = this.h1;
      if (h1 !== null) {
        if (h1.client !== null) {
          h1.body(chunk);
          if (end) h1.end(null);
        } else if (this.responded) stream.consumed(chunk.length);
        else if (chunk.length > 0) {
          if (this.pending === null) this.pending = [];
          this.pending.push(chunk);
        }
        return;
      }
      const up = this.up;
      if (up !== null && !up.closed) {
        this.keep(chunk);
        up.write(chunk, true);
        if (end) up.end(null);
      } else if (this.responded) stream.consumed(chunk.length);
      else if (chunk.length > 0) {
        if (this.pending === null) this.pending = [];
        this.pending.push(chunk);
      }
      return;
    }
    if (stream !== this.up) {
      stream.consumed(chunk.length);
      return;
    }
    const down = this.down;
    if (down.closed) {
      stream.consumed(chunk.length);
      return;
    }
    down.write(chunk, true);
    if (end) down.end(null);
  }

  onStreamHeaders(stream: WireStream, fields: string[], end: boolean): void {
    if (stream === this.down) {
      // request trailers
      this.requestEnded = true;
      this.requestTrailers = fields.slice();
      this.h1?.end(this.requestTrailers);
      const up = this.up;
      if (up !== null && !up.closed) up.end(this.requestTrailers);
      return;
    }
    if (stream === this.up) upHeaders(this, stream, fields, end);
  }

  onStreamClose(stream: WireStream): void {
    if (stream === this.down) {
      this.downClosed();
      return;
    }
    if (stream === this.up) upClosed(this, stream);
  }

  onStreamDrain(stream: WireStream): void {
    if (stream === this.down) this.h1?.downDrained();
  }

  /** A response head's fields with the route's response filters applied. */
  modified(fields: readonly string[], mods: HeaderModifierView): string[] {
    const out = toObject(fields);
    mods.applyToObject(out);
    return toFields(out);
  }

  /** The request is over (the client's stream closed): the pipeline's hold on it ends. */
  private downClosed(): void {
    const down = this.down;
    this.h1?.abort();
    if (!this.responded && down.peerReset && down.failed) this.session.countReset();
    const up = this.up;
    if (up !== null && !up.closed) up.reset(CANCEL);
    this.requestDone(this.status, this.isGrpc ? this.grpcStatus : null);
    this.queuedOn = null;
    this.clearTimer();
    this.releaseSlot();
    this.settle(true);
    const c = this.concrete;
    if (c !== null) {
      c.holders--;
      this.concrete = null;
    }
    this.bodyBuf = null;
    this.pending = null;
    const m = this.counted ?? this.labelled ?? this.ctx.inboundHttp;
    if (m !== null && this.status !== 0) {
      if (this.counted === null) m.request();
      const failure =
        this.status >= 500 || (this.grpcStatus !== null && this.grpcStatus !== 0) || this.error !== null;
      m.response(this.status, this.latencyMs, failure);
    }
  }
}
