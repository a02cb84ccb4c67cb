/**
 * Pooled HTTP/2 client sessions per endpoint. HTTP/2 multiplexes requests over one
 * connection, up to the peer's SETTINGS_MAX_CONCURRENT_STREAMS; the pool hands out a slot
 * on a session with room, opens another session when every one is full, and makes
 * streams wait (in order) while no session has room yet, so that a peer's stream limit
 * never turns into refused streams. A new session takes streams only once the peer's
 * SETTINGS arrived, when its limit is known.
 *
 *   entry (one per endpoint)
 *   ├─ sessions: [ s1 (ready, 100/100) , s2 (ready, 37/100) , s3 (connecting) ]
 *   └─ waiters:  FIFO of streams waiting for a slot
 *
 * The wait is bounded: at most `maxQueued` streams wait per endpoint (the next one is
 * answered 503 `stream-queue-full` at once), and none waits longer than `queueTimeoutMs`
 * (503 `stream-queue-timeout`); one coarse timer sweeps the queues while any stream waits.
 * A stream that gives up (its client reset it, its deadline passed) leaves its place
 * empty; empty places are skipped, and dropped before the queue counts as full.
 *
 * Connections come from the proxy's `Connector`, so mTLS to meshed endpoints slots in
 * without touching this module.
 */
import type { ClientHttp2Session, Http2Session, Settings } from 'node:http2';
import type { Socket } from 'node:net';
import { MeshAlpn } from '@weft/shared';
import { ProxyError, ProxyErrorReason, reasonOfSocketError } from '../errors/respond.ts';
import type { Connector, ConnectTarget } from '../transport/connector.ts';
import { guardSession } from './flood-guard.ts';
import { http2 } from './node-http2.ts';

export interface H2SessionPoolOptions {
  readonly connector: Connector;
  /** Milliseconds a session with no activity stays open. */
  readonly idleTimeoutMs: number;
  /** Milliseconds to wait for the connection and the peer's SETTINGS. */
  readonly connectTimeoutMs: number;
  /** Milliseconds a stream may wait for a slot (503 `stream-queue-timeout` after). */
  readonly queueTimeoutMs: number;
  /** Streams waiting per endpoint at most (503 `stream-queue-full` beyond). */
  readonly maxQueued: number;
}

/** A stream waiting for a session slot. */
export interface SessionWaiter {
  /**
   * The queue holding the waiter, set by the pool while it waits; the waiter sets it
   * back to null to give up its place (the pool then skips it).
   */
  queuedOn: object | null;
  /** When the waiter was queued (`Date.now()`), set by the pool. */
  queuedAt: number;
  /**
   * Called once: with a session on which one stream slot is reserved for the waiter
   * (give it back with `release`), or with null and the reason no session could be had.
   */
  sessionReady(session: ClientHttp2Session | null, error: ProxyError | null): void;
}

/** The endpoint's sessions and the streams waiting for one. */
interface Entry {
  readonly pool: H2SessionPool;
  readonly target: ConnectTarget;
  readonly sessions: PooledSession[];
  waiters: SessionWaiter[];
  /** Sessions opened whose peer SETTINGS have not arrived yet. */
  connecting: number;
}

/** What the pool knows of one session. */
interface SessionState {
  readonly entry: Entry;
  /** The peer's SETTINGS arrived: streams may be opened, up to `limit`. */
  ready: boolean;
  limit: number;
  inflight: number;
  /** Still offered to new streams (not closing, not failed). */
  open: boolean;
  error: unknown;
}

const kState = Symbol('weft.h2.sessionState');

/**
 * Sessions per endpoint at most: beyond this (a peer allowing very few streams per
 * connection), streams wait for a slot rather than opening yet another connection.
 */
export const MAX_SESSIONS_PER_ENDPOINT = 16;

type PooledSession = ClientHttp2Session & { [kState]?: SessionState };

/** The failures of a bounded wait: shared, so a flood of refusals allocates nothing. */
const QUEUE_FULL = new ProxyError(
  ProxyErrorReason.streamQueueFull,
  'too many HTTP/2 streams wait for a session to this endpoint',
);
const QUEUE_TIMEOUT = new ProxyError(
  ProxyErrorReason.streamQueueTimeout,
  'an HTTP/2 stream waited too long for a session to this endpoint',
);

export class H2SessionPool {
  readonly #entries = new Map<ConnectTarget, Entry>();
  readonly #options: H2SessionPoolOptions;
  /** Sweeps the queues for waits past their deadline; set while any stream waits. */
  #sweeper: NodeJS.Timeout | null = null;

  constructor(options: H2SessionPoolOptions) {
    this.#options = options;
  }

  /**
   * Reserves a stream slot to `target`: returns a session with room at once, or null
   * when `waiter.sessionReady` will be called later (a session is being opened, or every
   * session is full), or was just called with `stream-queue-full`. Every slot obtained
   * must be given back with `release`.
   */
  acquire(target: ConnectTarget, waiter: SessionWaiter): ClientHttp2Session | null {
    let entry = this.#entries.get(target);
    if (entry === undefined) {
      entry = { pool: this, target, sessions: [], waiters: [], connecting: 0 };
      this.#entries.set(target, entry);
    }
    if (skipAbandoned(entry) === 0) {
      const session = withRoom(entry);
      if (session !== null) {
        (session[kState] as SessionState).inflight++;
        return session;
      }
    }
    if (entry.waiters.length >= this.#options.maxQueued) {
      entry.waiters = entry.waiters.filter(isQueuedOn, entry);
      if (entry.waiters.length >= this.#options.maxQueued) {
        waiter.sessionReady(null, QUEUE_FULL);
        return null;
      }
    }
    waiter.queuedOn = entry;
    waiter.queuedAt = Date.now();
    entry.waiters.push(waiter);
    if (this.#sweeper === null) {
      const every = Math.min(250, Math.max(10, this.#options.queueTimeoutMs >> 3));
      this.#sweeper = setInterval(sweepQueues, every, this);
      this.#sweeper.unref();
    }
    if (entry.connecting === 0 && entry.sessions.length < MAX_SESSIONS_PER_ENDPOINT) this.open(entry);
    return null;
  }

  /** Gives back the slot a stream held on `session`; a waiting stream may take it. */
  release(session: ClientHttp2Session): void {
    const state = (session as PooledSession)[kState];
    if (state === undefined) return;
    state.inflight--;
    if (state.entry.waiters.length > 0) dispatch(state.entry);
  }

  /** Number of open sessions, over all endpoints. */
  get size(): number {
    let n = 0;
    for (const e of this.#entries.values()) n += e.sessions.length;
    return n;
  }

  /**
   * Answers the streams that waited past the deadline, in queue order (the oldest are
   * first); stops sweeping once no stream waits.
   */
  sweep(now: number): void {
    const oldest = now - this.#options.queueTimeoutMs;
    let waiting = 0;
    for (const entry of this.#entries.values()) {
      while (entry.waiters.length > 0) {
        const w = entry.waiters[0] as SessionWaiter;
        if (w.queuedOn === entry && w.queuedAt > oldest) break;
        entry.waiters.shift();
        if (w.queuedOn !== entry) continue;
        w.queuedOn = null;
        w.sessionReady(null, QUEUE_TIMEOUT);
      }
      waiting += entry.waiters.length;
      if (entry.waiters.length === 0) this.prune(entry);
    }
    if (waiting === 0) this.#stopSweeper();
  }

  #stopSweeper(): void {
    if (this.#sweeper !== null) clearInterval(this.#sweeper);
    this.#sweeper = null;
  }

  /** Closes every session gracefully: streams in flight finish; waiting streams fail. */
  close(): void {
    this.#stopSweeper();
    for (const entry of this.#entries.values()) {
      for (const s of entry.sessions) s.close();
      failWaiters(entry, new Error('the proxy is shutting down'), false);
    }
    this.#entries.clear();
  }

  /** @internal Opens one more session to the entry's endpoint. */
  open(entry: Entry): void {
    const connector = this.#options.connector;
    const target = entry.target;
    const host = target.address.includes(':') ? `[${target.address}]` : target.address;
    const session: PooledSession = http2().connect(`http://${host}:${target.port}`, {
      createConnection: (): Socket => connector.connect(target, MeshAlpn.h2),
      settings: { enablePush: false, initialWindowSize: 256 * 1024 },
      maxSessionMemory: 32,
    });
    session[kState] = {
      entry,
      ready: false,
      limit: 0,
      inflight: 0,
      open: true,
      error: null,
    };
    entry.sessions.push(session);
    entry.connecting++;
    session.setTimeout(this.#options.connectTimeoutMs);
    session.on('timeout', onSessionTimeout);
    session.on('remoteSettings', onRemoteSettings);
    session.on('error', onSessionError);
    session.on('goaway', onSessionGoaway);
    session.on('close', onSessionClose);
    guardSession(session, null, onSessionFlood);
  }

  /** @internal Forgets an entry with no session and no waiter. */
  prune(entry: Entry): void {
    if (
      entry.sessions.length === 0 &&
      entry.waiters.length === 0 &&
      this.#entries.get(entry.target) === entry
    ) {
      this.#entries.delete(entry.target);
    }
  }

  /** @internal */
  get idleTimeoutMs(): number {
    return this.#options.idleTimeoutMs;
  }
}

/** A ready, open session of `entry` with room for one more stream, or null. */
function withRoom(entry: Entry): PooledSession | null {
  for (const s of entry.sessions) {
    const st = s[kState] as SessionState;
    if (st.ready && st.open && st.inflight < st.limit) return s;
  }
  return null;
}

function sweepQueues(pool: H2SessionPool): void {
  pool.sweep(Date.now());
}

function isQueuedOn(this: Entry, w: SessionWaiter): boolean {
  return w.queuedOn === this;
}

/** Drops the places given up at the head of the queue; returns how many remain. */
function skipAbandoned(entry: Entry): number {
  const waiters = entry.waiters;
  while (waiters.length > 0 && (waiters[0] as SessionWaiter).queuedOn !== entry) waiters.shift();
  return waiters.length;
}

/** Hands free slots to waiting streams, in order; opens a session if some still wait. */
function dispatch(entry: Entry): void {
  while (skipAbandoned(entry) > 0) {
    const session = withRoom(entry);
    if (session === null) break;
    (session[kState] as SessionState).inflight++;
    // Out of the queue before it is served: serving may release a slot and re-enter here.
    const waiter = entry.waiters.shift() as SessionWaiter;
    waiter.queuedOn = null;
    waiter.sessionReady(session, null);
  }
  if (
    entry.waiters.length > 0 &&
    entry.connecting === 0 &&
    entry.sessions.length < MAX_SESSIONS_PER_ENDPOINT
  ) {
    entry.pool.open(entry);
  }
}

/** Fails every waiting stream with the proxy's reason for `error`. */
function failWaiters(entry: Entry, error: unknown, connected: boolean): void {
  const waiters = entry.waiters;
  if (waiters.length === 0) return;
  entry.waiters = [];
  const failure =
    error instanceof ProxyError
      ? error
      : new ProxyError(
          reasonOfSocketError(error, connected),
          `HTTP/2 session to ${entry.target.address}:${entry.target.port} failed`,
          {
            cause: error,
          },
        );
  for (const w of waiters) {
    if (w.queuedOn !== entry) continue;
    w.queuedOn = null;
    w.sessionReady(null, failure);
  }
}

/** Takes a session out of the offer; once it was never ready, its waiters fail. */
function retire(session: PooledSession): void {
  const state = session[kState];
  if (state === undefined || !state.open) return;
  state.open = false;
  const { entry } = state;
  const i = entry.sessions.indexOf(session);
  if (i >= 0) entry.sessions.splice(i, 1);
  if (!state.ready) {
    entry.connecting--;
    // The connection failed before the peer's SETTINGS: the endpoint is unreachable, so
    // the streams waiting for it fail now (502/504), as an HTTP/1 connect failure does.
    if (entry.connecting === 0 && withRoom(entry) === null) {
      failWaiters(entry, state.error ?? new Error('HTTP/2 session closed before SETTINGS'), false);
    }
  } else if (entry.waiters.length > 0) {
    dispatch(entry);
  }
  entry.pool.prune(entry);
}

function onRemoteSettings(this: PooledSession, settings: Settings): void {
  const state = this[kState];
  if (state === undefined || !state.open) return;
  // Absent means unlimited (RFC 9113 §6.5.2); Node reports its default then.
  state.limit = settings.maxConcurrentStreams ?? Number.MAX_SAFE_INTEGER;
  if (!state.ready) {
    state.ready = true;
    state.entry.connecting--;
    this.setTimeout(state.entry.pool.idleTimeoutMs);
  }
  dispatch(state.entry);
}

/** Connect timeout (no SETTINGS in time), or idle: close (streams in flight finish). */
function onSessionTimeout(this: PooledSession): void {
  const state = this[kState];
  if (state !== undefined && !state.ready) {
    state.error = Object.assign(new Error('HTTP/2 connect timed out'), { code: 'ETIMEDOUT' });
    retire(this);
    this.destroy();
    return;
  }
  retire(this);
  this.close();
}

function onSessionError(this: PooledSession, error: unknown): void {
  const state = this[kState];
  if (state !== undefined && state.error === null) state.error = error;
  retire(this);
}

function onSessionGoaway(this: PooledSession): void {
  retire(this);
}

/** The endpoint went past a PING or SETTINGS rate: no new stream on it, it is being closed. */
function onSessionFlood(session: Http2Session): void {
  const state = (session as PooledSession)[kState];
  if (state !== undefined && state.error === null) state.error = ENDPOINT_FLOODED;
  retire(session as PooledSession);
}

const ENDPOINT_FLOODED = new Error('the endpoint went past an HTTP/2 flood limit');

function onSessionClose(this: PooledSession): void {
  retire(this);
}

/** Whether `session` (from this pool) got its peer's SETTINGS, and the error it failed with. */
export function sessionState(
  session: ClientHttp2Session | null,
): { connected: boolean; error: unknown } | undefined {
  const state = (session as PooledSession | null)?.[kState];
  return state === undefined ? undefined : { connected: state.ready, error: state.error };
}
