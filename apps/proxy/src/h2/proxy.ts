/**
 * The HTTP/2 driver: serves h2c connections (prior knowledge, so gRPC) accepted by a
 * listener or opened inside a CONNECT tunnel, and hands each stream to the direction's
 * request pipeline (`stack/outbound.ts`, `stack/inbound.ts`) as a `StreamPair`; the
 * pipeline's dispatch opens the endpoint's stream here, over pooled client sessions.
 *
 * - Bodies are relayed both ways as `pipe` would, so HTTP/2 flow control holds end to end:
 *   when the far side stops reading, our write buffer fills, the relay pauses the reader, and the
 *   window we advertise to the sender stops opening.
 * - Response trailers (where gRPC puts its status) and request trailers are passed
 *   through; a trailers-only response (headers with END_STREAM) stays trailers-only.
 * - A failure before the response headers is retried or answered by the pair
 *   (`stream-pair.ts`); a retryable response head (a status, or a trailers-only gRPC
 *   status, the route retries) is dropped and the request replayed on another attempt.
 *   A failure after the headers resets the client's stream.
 *
 * State travels on the two streams under a symbol, and every event handler is a
 * module-level named function: nothing is allocated per stream but the state object.
 */
import http2, {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type Http2Server,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Socket } from 'node:net';
import type { ConnTarget } from '../detect/handoff.ts';
import { ProxyErrorReason } from '../errors/respond.ts';
import { retriesGrpc, retriesStatus } from '../stack/exchange.ts';
import { meshTls } from '../tls/peer.ts';
import { nativeReceiver } from './native-receive.ts';
import type { H2SessionPool } from './session-pool.ts';
import { type PairContext, StreamPair } from './stream-pair.ts';

const {
  NGHTTP2_FLAG_END_STREAM,
  NGHTTP2_CANCEL,
  NGHTTP2_INTERNAL_ERROR,
  NGHTTP2_NO_ERROR,
  NGHTTP2_REFUSED_STREAM,
} = http2.constants;

export interface H2ProxyOptions {
  readonly pool: H2SessionPool;
  /** Milliseconds a client connection with no activity stays open. */
  readonly idleTimeoutMs: number;
}

/** Per-connection context, set on the server session. */
interface ConnectionContext extends PairContext {
  readonly target: ConnTarget;
  readonly proxy: H2ProxyOptions;
  /** The live client sessions of the owning `H2Proxy` (for drain). */
  readonly sessions: Set<ServerHttp2Session>;
}

const kContext = Symbol('weft.h2.context');
const kPair = Symbol('weft.h2.pair');

type TaggedSession = ServerHttp2Session & { [kContext]?: ConnectionContext };
type TaggedDown = ServerHttp2Stream & { [kPair]?: StreamPair };
type TaggedUp = ClientHttp2Stream & { [kPair]?: StreamPair };

/** Connection-specific headers that HTTP/2 forbids and that must not be forwarded. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
];

const WAIT_FOR_TRAILERS = { waitForTrailers: true } as const;
const END_STREAM = { endStream: true } as const;

/** Set just before a connection is handed to the server; read back by its 'session' event. */
let pendingContext: ConnectionContext | null = null;
let pendingPrefix: Buffer | null = null;

export class H2Proxy {
  readonly #server: Http2Server;
  readonly #options: H2ProxyOptions;
  readonly #sessions = new Set<ServerHttp2Session>();

  constructor(options: H2ProxyOptions) {
    this.#options = options;
    this.#server = http2.createServer({
      settings: { initialWindowSize: 256 * 1024, maxConcurrentStreams: 1000, enablePush: false },
      maxSessionMemory: 32,
    });
    this.#server.on('session', onSession);
    this.#server.on('stream', onStream);
    this.#server.on('sessionError', ignore);
  }

  /**
   * Serves one connection that starts with the HTTP/2 preface. `prefix` holds the bytes
   * protocol detection already read from it; they are handed back to the session.
   */
  serve(socket: Socket, prefix: Buffer, target: ConnTarget): void {
    target.concrete.retain();
    socket.once('close', target.concrete.release.bind(target.concrete));
    const inbound = target.ctx.direction === 'inbound';
    const clientId = inbound ? meshTls(socket)?.peerIdentity : undefined;
    pendingContext = {
      target,
      proxy: this.#options,
      sessions: this.#sessions,
      pool: this.#options.pool,
      openUpstream,
      callerId: inbound ? (clientId ?? socket.remoteAddress) : undefined,
      peerIdentity: clientId,
      peerAddress: inbound ? socket.remoteAddress : undefined,
      // inbound requests are counted for the app's authority and the caller's mTLS identity
      inboundHttp: inbound
        ? target.ctx.inboundMetrics(target.authority, '', '', clientId, socket.remoteAddress).http
        : null,
    };
    pendingPrefix = prefix.length > 0 ? prefix : null;
    this.#server.emit('connection', socket);
    if (pendingContext !== null) {
      pendingContext = null;
      pendingPrefix = null;
      socket.destroy();
    }
  }
  /** Client connections being served. */
  get connections(): number {
    return this.#sessions.size;
  }

  /**
   * Starts a graceful shutdown of every client connection: a GOAWAY tells the client to
   * open no new stream here, streams in flight finish, then the connection closes.
   */
  drain(): void {
    for (const session of this.#sessions) session.close();
  }
}

function ignore(): void {}

function onSession(this: Http2Server, session: TaggedSession): void {
  const ctx = pendingContext;
  const prefix = pendingPrefix;
  pendingContext = null;
  pendingPrefix = null;
  if (ctx === null) {
    session.destroy();
    return;
  }
  if (prefix !== null) {
    const receiver = nativeReceiver(session);
    // Without the native handle (a JS stream socket), the socket's own buffer keeps the order.
    if (receiver !== undefined) receiver.receive(prefix);
    else session.socket.unshift(prefix);
  }
  session[kContext] = ctx;
  ctx.sessions.add(session);
  session.once('close', onSessionClose);
  session.setTimeout(ctx.proxy.idleTimeoutMs);
  session.on('timeout', onIdleSession);
  session.on('error', ignore);
}

function onSessionClose(this: TaggedSession): void {
  this[kContext]?.sessions.delete(this);
}

function onIdleSession(this: ServerHttp2Session): void {
  this.close();
}

// === impl the request side ===

function onStream(this: Http2Server, down: TaggedDown, headers: IncomingHttpHeaders, flags: number): void {
  const ctx = (down.session as TaggedSession | undefined)?.[kContext];
  down.on('error', ignore);
  if (ctx === undefined) {
    down.close(NGHTTP2_REFUSED_STREAM);
    return;
  }
  const pair = new StreamPair(ctx, down, headers, (flags & NGHTTP2_FLAG_END_STREAM) !== 0);
  down[kPair] = pair;
  down.on('close', onDownClose);
  down.on('wantTrailers', onDownWantTrailers);
  if (ctx.target.ctx.draining) {
    pair.fail(ProxyErrorReason.draining);
    return;
  }
  ctx.target.ctx.stack.start(pair, ctx.target);
}

/** Opens the attempt's stream on `session` (where a slot is reserved) and wires both streams. */
function openUpstream(pair: StreamPair, session: ClientHttp2Session): void {
  const { down, endStream } = pair;
  pair.upSession = session;
  pair.slotHeld = true;
  let up: TaggedUp;
  try {
    up = session.request(forwardable(pair.headers), endStream ? END_STREAM : WAIT_FOR_TRAILERS);
  } catch (error) {
    pair.attemptFailed(error);
    return;
  }
  pair.up = up;
  up[kPair] = pair;
  up.on('response', onUpResponse);
  up.on('headers', onUpInformational);
  up.on('trailers', onUpTrailers);
  up.on('error', onUpError);
  up.on('close', onUpClose);
  if (endStream) return;
  up.on('wantTrailers', onUpWantTrailers);
  up.on('drain', onRelayDrain);
  // a retry replays what the previous attempt sent of the body
  const kept = pair.bodyBuf;
  if (kept !== null) for (let k = 0; k < kept.length; k++) up.write(kept[k] as Buffer);
  if (!pair.relaying) {
    pair.relaying = true;
    down.on('trailers', onDownTrailers);
    down.on('data', onRelayData);
    down.on('end', onRelayEnd);
  } else if (down.readableEnded) {
    up.end();
  }
}

/**
 * The headers to forward: the received object itself (it is ours, and copying it per
 * request costs an allocation), less any connection-specific header HTTP/2 forbids.
 */
function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  for (let i = 0; i < HOP_BY_HOP.length; i++) {
    const name = HOP_BY_HOP[i] as string;
    if (headers[name] !== undefined) delete headers[name];
  }
  const te = headers.te;
  if (te !== undefined && te !== 'trailers') delete headers.te;
  return headers;
}

// === impl the body relay ===
//
// What `pipe` does, with module-level handlers instead of the closures `pipe` allocates
// per call: each stream writes what it reads to its partner (the pair's other stream:
// for the client's stream, the attempt in flight), pauses while the partner's buffer is
// full, resumes on its 'drain', and ends it at 'end'.

function partner(stream: TaggedDown | TaggedUp): ServerHttp2Stream | ClientHttp2Stream | null {
  const pair = stream[kPair];
  if (pair === undefined) return null;
  return stream === pair.down ? pair.up : pair.down;
}

function onRelayData(this: TaggedDown | TaggedUp, chunk: Buffer): void {
  const pair = this[kPair];
  if (pair === undefined) return;
  if (this === pair.down) pair.keep(chunk);
  const to = this === pair.down ? pair.up : pair.down;
  if (to === null || to.destroyed || to.writableEnded) return;
  if (!to.write(chunk)) this.pause();
}

function onRelayDrain(this: TaggedDown | TaggedUp): void {
  const from = partner(this);
  if (from !== null && !from.destroyed) from.resume();
}

function onRelayEnd(this: TaggedDown | TaggedUp): void {
  const to = partner(this);
  if (to !== null && !to.destroyed && !to.writableEnded) to.end();
}

function onDownTrailers(this: TaggedDown, trailers: IncomingHttpHeaders): void {
  const pair = this[kPair];
  if (pair !== undefined) pair.requestTrailers = trailers;
}

function onUpWantTrailers(this: TaggedUp): void {
  const pair = this[kPair];
  if (pair === undefined || this.destroyed || pair.up !== this) return;
  this.sendTrailers(outgoing(pair.requestTrailers));
}

// === impl the response side ===

function onUpResponse(this: TaggedUp, headers: IncomingHttpHeaders, flags: number): void {
  const pair = this[kPair];
  if (pair === undefined || pair.up !== this) return;
  const { down } = pair;
  if (down.destroyed || down.closed || pair.responded) {
    pair.settle(true);
    this.close(NGHTTP2_CANCEL);
    return;
  }
  const status = Number(headers[':status'] ?? 0);
  const trailersOnly = (flags & NGHTTP2_FLAG_END_STREAM) !== 0;
  const grpc = headers['grpc-status'];
  pair.attemptDone(status, grpc === undefined ? null : Number(grpc), null);
  const retry = pair.isGrpc
    ? trailersOnly && grpc !== undefined && retriesGrpc(pair, Number(grpc))
    : retriesStatus(pair, status);
  if (retry) {
    pair.abortAttempt();
    pair.again();
    return;
  }
  pair.settle(status < 500);
  pair.clearTimer();
  pair.latencyMs = performance.now() - pair.start;
  pair.responded = true;
  pair.status = status;
  const out = forwardable(headers);
  pair.responseMods?.applyToObject(out as Record<string, string | string[] | undefined>);
  if (grpc !== undefined) pair.grpcStatus = Number(grpc);
  if (trailersOnly) {
    down.respond(out, END_STREAM);
    return;
  }
  down.respond(out, WAIT_FOR_TRAILERS);
  this.on('data', onRelayData);
  this.on('end', onRelayEnd);
  down.on('drain', onRelayDrain);
}

function onUpInformational(this: TaggedUp, headers: IncomingHttpHeaders): void {
  const pair = this[kPair];
  if (pair === undefined || pair.up !== this || pair.responded || pair.down.destroyed) return;
  const status = Number(headers[':status'] ?? 0);
  if (status >= 100 && status < 200 && status !== 101) pair.down.additionalHeaders(forwardable(headers));
}

function onUpTrailers(this: TaggedUp, trailers: IncomingHttpHeaders): void {
  const pair = this[kPair];
  if (pair === undefined || pair.up !== this) return;
  pair.responseTrailers = trailers;
  const grpc = trailers['grpc-status'];
  if (grpc !== undefined) pair.grpcStatus = Number(grpc);
}

function onDownWantTrailers(this: TaggedDown): void {
  const pair = this[kPair];
  if (pair === undefined || this.destroyed) return;
  // A reset endpoint stream also ends its readable side: do not let the truncated
  // response look complete.
  const code = pair.up?.rstCode;
  if (code !== undefined && code !== NGHTTP2_NO_ERROR) {
    this.close(NGHTTP2_INTERNAL_ERROR);
    return;
  }
  this.sendTrailers(outgoing(pair.responseTrailers));
}

function outgoing(trailers: IncomingHttpHeaders | null): OutgoingHttpHeaders {
  if (trailers === null) return {};
  const out: OutgoingHttpHeaders = {};
  for (const name in trailers) if (name[0] !== ':') out[name] = trailers[name];
  return out;
}

// === impl failures and teardown ===

function onUpError(this: TaggedUp, error: unknown): void {
  const pair = this[kPair];
  if (pair !== undefined && pair.up === this && pair.error === null) pair.error = error;
}

function onUpClose(this: TaggedUp): void {
  const pair = this[kPair];
  if (pair === undefined || pair.up !== this) return;
  pair.releaseSlot();
  const { down } = pair;
  if (down.destroyed || down.closed) return;
  if (!pair.responded) {
    pair.attemptFailed(pair.error ?? new Error(`HTTP/2 stream reset by the endpoint (code ${this.rstCode})`));
    return;
  }
  // Reset after the headers (the endpoint failed or its connection died): reset the
  // client's stream too, so that a truncated body is never taken for a complete one.
  const code = this.rstCode;
  if (code !== undefined && code !== NGHTTP2_NO_ERROR) down.close(NGHTTP2_INTERNAL_ERROR);
}

function onDownClose(this: TaggedDown): void {
  const pair = this[kPair];
  if (pair === undefined) return;
  const { up } = pair;
  if (up !== null && !up.closed && !up.destroyed) up.close(NGHTTP2_CANCEL);
  pair.requestDone(pair.status, pair.isGrpc ? pair.grpcStatus : null);
  pair.closed();
  const m = pair.counted ?? pair.ctx.inboundHttp;
  if (m !== null && pair.status !== 0) {
    if (pair.counted === null) m.request(); // answered before any dispatch (e.g. rate-limited)
    const failure =
      pair.status >= 500 || (pair.grpcStatus !== null && pair.grpcStatus !== 0) || pair.error !== null;
    m.response(pair.status, pair.latencyMs, failure);
  }
}
