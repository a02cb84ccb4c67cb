/**
 * Wiring of one `StreamPair`'s two streams: the client's stream (`down`) and the
 * endpoint's stream of the attempt in flight (`up`), opened here over a pooled session.
 *
 * - Bodies are relayed both ways as `pipe` would, so HTTP/2 flow control holds end to end:
 *   when the far side stops reading, our write buffer fills, the relay pauses the reader, and the
 *   window we advertise to the sender stops opening.
 * - Response trailers (where gRPC puts its status) and request trailers are passed
 *   through; a trailers-only response (headers with END_STREAM) stays trailers-only.
 * - A retryable response head (a status, or a trailers-only gRPC status, the route
 *   retries) is dropped and the request replayed on another attempt. A failure after the
 *   headers resets the client's stream.
 *
 * State travels on the two streams under a symbol, and every event handler is a
 * module-level named function: nothing is allocated per stream but the pair.
 */
import type {
  ClientHttp2Session,
  ClientHttp2Stream,
  IncomingHttpHeaders,
  OutgoingHttpHeaders,
  ServerHttp2Stream,
} from 'node:http2';
import { retriesGrpc, retriesStatus } from '../stack/exchange.ts';
import { countReset } from './flood-guard.ts';
import { NGHTTP2 } from './node-http2.ts';
import type { StreamPair } from './stream-pair.ts';

const {
  FLAG_END_STREAM: NGHTTP2_FLAG_END_STREAM,
  CANCEL: NGHTTP2_CANCEL,
  INTERNAL_ERROR: NGHTTP2_INTERNAL_ERROR,
  NO_ERROR: NGHTTP2_NO_ERROR,
} = NGHTTP2;

const kPair = Symbol('weft.h2.pair');

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

/** Ties the client's stream to its pair: trailers and teardown are handled here. */
export function wireDown(pair: StreamPair): void {
  const down = pair.down as TaggedDown;
  down[kPair] = pair;
  down.on('close', onDownClose);
  down.on('wantTrailers', onDownWantTrailers);
}

/** Opens the attempt's stream on `session` (where a slot is reserved) and wires both streams. */
export function openUpstream(pair: StreamPair, session: ClientHttp2Session): void {
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
  // reset by the client before any answer: counted against rapid reset
  if (!pair.responded && this.rstCode !== undefined && this.rstCode !== NGHTTP2_NO_ERROR)
    countReset(pair.ctx.session);
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
