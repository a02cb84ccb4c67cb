/**
 * The HTTP/2 server side: serves h2c connections (prior knowledge, so gRPC) accepted by a
 * listener or opened inside a CONNECT tunnel, and hands each stream to the direction's
 * request pipeline (`stack/outbound.ts`, `stack/inbound.ts`) as a `StreamPair`; the
 * pipeline's dispatch opens the endpoint's stream over pooled client sessions
 * (`session-pool.ts`), and `stream-relay.ts` wires the two streams.
 *
 * A failure before the response headers is retried or answered by the pair
 * (`stream-pair.ts`). State travels on the session under a symbol, and every event
 * handler is a module-level named function.
 */
import type {
  Http2Server,
  IncomingHttpHeaders,
  ServerOptions as NodeServerOptions,
  ServerHttp2Session,
  ServerHttp2Stream,
} from 'node:http2';
import type { Socket } from 'node:net';
import type { ConnTarget } from '../detect/handoff.ts';
import { ProxyErrorReason } from '../errors/respond.ts';
import type { H2FloodMetrics } from '../metrics/h2-floods.ts';
import { meshTls } from '../tls/peer.ts';
import { guardSession, isTripped } from './flood-guard.ts';
import { nativeReceiver } from './native-receive.ts';
import { http2, NGHTTP2 } from './node-http2.ts';
import type { H2SessionPool } from './session-pool.ts';
import { type PairContext, StreamPair } from './stream-pair.ts';
import { openUpstream, wireDown } from './stream-relay.ts';

const { FLAG_END_STREAM: NGHTTP2_FLAG_END_STREAM, REFUSED_STREAM: NGHTTP2_REFUSED_STREAM } = NGHTTP2;

export interface H2ProxyOptions {
  readonly pool: H2SessionPool;
  /** Milliseconds a client connection with no activity stays open. */
  readonly idleTimeoutMs: number;
  /** Where connections closed past a flood limit are counted; null: not counted. */
  readonly floods: H2FloodMetrics | null;
}

/** Per-connection context, set on the server session. */
interface ConnectionContext extends PairContext {
  readonly target: ConnTarget;
  readonly proxy: H2ProxyOptions;
  /** The live client sessions of the owning `H2Proxy` (for drain). */
  readonly sessions: Set<ServerHttp2Session>;
}

const kContext = Symbol('weft.h2.context');

/** Two options Node 20 has that its type definitions lack. */
type ServerOptions = NodeServerOptions & {
  maxSessionInvalidFrames: number;
  maxSessionRejectedStreams: number;
};

const SERVER_OPTIONS: ServerOptions = {
  settings: {
    initialWindowSize: 256 * 1024,
    maxConcurrentStreams: 1000,
    enablePush: false,
    // a header block (with its CONTINUATION frames) larger than this resets its stream
    maxHeaderListSize: 64 * 1024,
  },
  // Node's own bounds, stated rather than left to its defaults (flood-guard.ts has ours)
  maxSessionMemory: 32, // MiB of nghttp2 state per connection, past which new streams are refused
  maxHeaderListPairs: 128, // header fields per block
  maxSettings: 32, // entries per SETTINGS frame
  maxSessionInvalidFrames: 100, // invalid frames before the connection is closed
  maxSessionRejectedStreams: 100, // streams refused (too many at once) before it is closed
};

type TaggedSession = ServerHttp2Session & { [kContext]?: ConnectionContext };

/** Set just before a connection is handed to the server; read back by its 'session' event. */
let pendingContext: ConnectionContext | null = null;
let pendingPrefix: Buffer | null = null;

export class H2Proxy {
  /** Made for the first connection (node-http2.ts: node:http2 loads then). */
  #server: Http2Server | null = null;
  readonly #options: H2ProxyOptions;
  readonly #sessions = new Set<ServerHttp2Session>();

  constructor(options: H2ProxyOptions) {
    this.#options = options;
  }

  #serverOf(): Http2Server {
    if (this.#server === null) {
      this.#server = http2().createServer(SERVER_OPTIONS);
      this.#server.on('session', onSession);
      this.#server.on('stream', onStream);
      this.#server.on('sessionError', ignore);
    }
    return this.#server;
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
      session: null,
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
    this.#serverOf().emit('connection', socket);
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
  // counting starts before the bytes detection already read are fed to the session
  guardSession(session, ctx.proxy.floods);
  if (prefix !== null) {
    const receiver = nativeReceiver(session);
    // Without the native handle (a JS stream socket), the socket's own buffer keeps the order.
    if (receiver !== undefined) receiver.receive(prefix);
    else session.socket.unshift(prefix);
  }
  session[kContext] = ctx;
  ctx.session = session;
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

function onStream(
  this: Http2Server,
  down: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  flags: number,
): void {
  const ctx = (down.session as TaggedSession | undefined)?.[kContext];
  down.on('error', ignore);
  if (ctx === undefined || isTripped(down.session as ServerHttp2Session | undefined)) {
    down.close(NGHTTP2_REFUSED_STREAM);
    return;
  }
  const pair = new StreamPair(ctx, down, headers, (flags & NGHTTP2_FLAG_END_STREAM) !== 0);
  wireDown(pair);
  if (ctx.target.ctx.draining) {
    pair.fail(ProxyErrorReason.draining);
    return;
  }
  ctx.target.ctx.stack.start(pair, ctx.target);
}
