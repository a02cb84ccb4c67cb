/**
 * One HTTP/2 (or gRPC) request in the pipeline: the client's stream (`down`), the
 * endpoint's stream of the attempt in flight (`up`), and what the pipeline decided
 * (`Exchange`). `dispatch` opens the attempt on a pooled session; a retried attempt
 * replays the request body kept in a bounded buffer. Failures before the response head
 * become the proxy's answer: an HTTP status with `weft-proxy-error`, or for gRPC callers
 * a trailers-only `grpc-status` (mapped in `errors/respond.ts`).
 */
import type {
  ClientHttp2Session,
  ClientHttp2Stream,
  IncomingHttpHeaders,
  ServerHttp2Session,
  ServerHttp2Stream,
} from 'node:http2';
import type { EndpointState } from '../balance/endpoint.ts';
import {
  grpcStatusFor,
  h2Answer,
  h2GrpcAnswer,
  ProxyError,
  ProxyErrorReason,
  reasonOfSocketError,
  responseFor,
} from '../errors/respond.ts';
import type { HttpMetrics } from '../metrics/handles.ts';
import { Exchange, mayRetry } from '../stack/exchange.ts';
import { MAX_RETRY_BODY } from '../stack/layers.ts';
import { NGHTTP2 } from './node-http2.ts';
import type { H2SessionPool, SessionWaiter } from './session-pool.ts';
import { sessionState } from './session-pool.ts';

const NGHTTP2_CANCEL = NGHTTP2.CANCEL;

/**
 * Whether the endpoint provably did not process the attempt's stream (RFC 9113 §8.7): it
 * refused it (REFUSED_STREAM), or the session was already going away (GOAWAY received,
 * or closed) when the stream was to be opened on it.
 */
function notProcessed(up: ClientHttp2Stream | null, error: unknown): boolean {
  if (up !== null) return up.rstCode === NGHTTP2.REFUSED_STREAM;
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_HTTP2_GOAWAY_SESSION' || code === 'ERR_HTTP2_INVALID_SESSION';
}
const END_STREAM = { endStream: true } as const;

/** What the stream pair needs of its connection. */
export interface PairContext {
  readonly pool: H2SessionPool;
  /** The client connection (set once its session starts), for flood accounting. */
  session: ServerHttp2Session | null;
  /** Inbound: who called (mTLS identity, else address), for rate limits. */
  readonly callerId: string | undefined;
  /** Inbound: the identity the caller proved over mTLS; undefined for plaintext. */
  readonly peerIdentity: string | undefined;
  /** Inbound: the caller's source address. */
  readonly peerAddress: string | undefined;
  /** Inbound: the connection's request metrics (authority, caller identity); null outbound. */
  readonly inboundHttp: HttpMetrics | null;
  /** Opens the attempt's stream on `session` (a slot is reserved) and wires it. */
  openUpstream(pair: StreamPair, session: ClientHttp2Session): void;
}

export class StreamPair extends Exchange implements SessionWaiter {
  up: ClientHttp2Stream | null = null;
  /** The pooled session holding this attempt's slot. */
  upSession: ClientHttp2Session | null = null;
  /** Whether the slot on `upSession` is still to be given back. */
  slotHeld = false;
  /** The pool queue this attempt waits in for a session slot (see `SessionWaiter`). */
  queuedOn: object | null = null;
  queuedAt = 0;
  /** Whether the client's stream is wired to relay into `up` (done once). */
  relaying = false;
  /** Request body kept for a retry (bounded by MAX_RETRY_BODY), or null. */
  bodyBuf: Buffer[] | null = null;
  bodyBytes = 0;
  latencyMs = 0;
  status = 0;
  grpcStatus: number | null = null;
  responseTrailers: IncomingHttpHeaders | null = null;
  requestTrailers: IncomingHttpHeaders | null = null;
  /** The metrics this request was counted on at its first dispatch. */
  counted: HttpMetrics | null = null;
  error: unknown = null;

  constructor(
    readonly ctx: PairContext,
    readonly down: ServerHttp2Stream,
    /** The request's headers, sent again on each attempt. */
    readonly headers: IncomingHttpHeaders,
    readonly endStream: boolean,
  ) {
    super();
    this.method = String(headers[':method'] ?? 'GET');
    this.path = String(headers[':path'] ?? '/');
    this.isGrpc = headers['content-type']?.startsWith('application/grpc') === true;
    const length = headers['content-length'];
    this.bodyLength = endStream ? 0 : length !== undefined ? Number(length) || 0 : -1;
    if (!endStream) this.bodyBuf = [];
    this.start = performance.now();
  }

  header(lowerName: string): string | undefined {
    const v = this.headers[lowerName];
    return Array.isArray(v) ? v[0] : v;
  }

  override headerNames(): readonly string[] {
    return Object.keys(this.headers);
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
    return this.down.destroyed || this.down.closed;
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
      const m = this.ctx.inboundHttp ?? ep.metrics.http;
      this.counted = m;
      m.request();
      const h = this.headers as Record<string, string | string[] | undefined>;
      this.requestMods?.applyToObject(h);
      this.backendMods?.applyToObject(h);
    }
    const session = this.ctx.pool.acquire(ep, this);
    // else the pool calls `sessionReady` once a session has room
    if (session !== null) this.ctx.openUpstream(this, session);
  }

  /** The pool's answer when this attempt had to wait for a session slot. */
  sessionReady(session: ClientHttp2Session | null, error: ProxyError | null): void {
    if (session === null) {
      this.attemptFailed(error);
      return;
    }
    if (this.gone || this.responded || this.up !== null) {
      this.ctx.pool.release(session);
      return;
    }
    this.ctx.openUpstream(this, session);
  }

  /** Gives the attempt's session slot back to the pool, once. */
  releaseSlot(): void {
    if (!this.slotHeld || this.upSession === null) return;
    this.slotHeld = false;
    this.ctx.pool.release(this.upSession);
  }

  /** The attempt's response head arrived (or it failed): reports it to the balancer once. */
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
    this.queuedOn = null; // gives up its place in a session queue, if it waits in one
    const up = this.up;
    this.up = null;
    this.releaseSlot();
    this.settle(false);
    if (up !== null && !up.closed && !up.destroyed) up.close(NGHTTP2_CANCEL);
    // the client's stream may have been paused by the old attempt's backpressure
    if (!this.down.destroyed) this.down.resume();
  }

  /** The attempt failed before its response head: retry, or answer for the proxy. */
  attemptFailed(error: unknown): void {
    const unprocessed = notProcessed(this.up, error);
    const reason = this.reasonOf(error);
    this.attemptDone(0, null, reason);
    this.abortAttempt();
    const connectFailure =
      reason === ProxyErrorReason.connectRefused || reason === ProxyErrorReason.connectTimeout;
    // a stream the endpoint refused unprocessed (it was closing) is a race with its drain,
    // not its failure: tried again whatever the method, and not paid from the retry budget
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
    const state = sessionState(this.upSession);
    if (state === undefined) return ProxyErrorReason.internal;
    return reasonOfSocketError(state.error ?? error, state.connected);
  }

  fail(reason: ProxyErrorReason): void {
    this.failReason = reason;
    this.queuedOn = null; // answered: a place it held in a session queue is free
    if (this.up !== null) {
      this.attemptDone(0, null, reason);
      this.abortAttempt();
    }
    this.clearTimer();
    const { down } = this;
    if (down.destroyed || down.closed || down.headersSent) {
      if (this.responded && !down.destroyed) down.close(NGHTTP2_CANCEL);
      return;
    }
    this.responded = true;
    this.latencyMs = performance.now() - this.start;
    if (this.isGrpc) {
      const grpcStatus = this.answerGrpc >= 0 ? this.answerGrpc : grpcStatusFor(reason);
      this.status = 200;
      this.grpcStatus = grpcStatus;
      down.respond(h2GrpcAnswer(reason, grpcStatus), END_STREAM);
      return;
    }
    const status = this.answerStatus !== 0 ? this.answerStatus : responseFor(reason).status;
    this.status = status;
    down.respond(h2Answer(status, reason, this.retryAfter));
    down.end(`weft proxy: ${reason}\n`);
  }

  redirect(status: number, location: string): void {
    const { down } = this;
    if (down.destroyed || down.closed || down.headersSent) return;
    this.clearTimer();
    this.responded = true;
    this.status = status;
    this.latencyMs = performance.now() - this.start;
    down.respond({ ':status': status, location }, END_STREAM);
  }

  /** The request is over (the client's stream closed): the pipeline's hold on it ends. */
  closed(): void {
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
  }
}
