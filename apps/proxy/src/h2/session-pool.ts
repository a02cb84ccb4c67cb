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
 * Connections come from the proxy's `Connector`, so mTLS to meshed endpoints slots in
 * without touching this module.
 */
import http2, { type ClientHttp2Session, type Settings } from 'node:http2';
import type { Socket } from 'node:net';
import { MeshAlpn } from '@weft/shared';
import { ProxyError, reasonOfSocketError } from '../errors/respond.ts';
import type { Connector, ConnectTarget } from '../transport/connector.ts';

export interface H2SessionPoolOptions {
  readonly connector: Connector;
  /** Milliseconds a session with no activity stays open. */
  readonly idleTimeoutMs: number;
  /** Milliseconds to wait for the connection and the peer's SETTINGS. */
  readonly connectTimeoutMs: number;
}

/** A stream waiting for a session slot. */
export interface SessionWaiter {
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
const MAX_SESSIONS_PER_ENDPOINT = 16;

type PooledSession = ClientHttp2Session & { [kState]?: SessionState };

export class H2SessionPool {
  readonly #entries = new Map<ConnectTarget, Entry>();
  readonly #options: H2SessionPoolOptions;

  constructor(options: H2SessionPoolOptions) {
    this.#options = options;
  }

  /**
   * Reserves a stream slot to `target`: returns a session with room at once, or null
   * when `waiter.sessionReady` will be called later (a session is being opened, or every
   * session is full). Every slot obtained must be given back with `release`.
   */
  acquire(target: ConnectTarget, waiter: SessionWaiter): ClientHttp2Session | null {
    let entry = this.#entries.get(target);
    if (entry === undefined) {
      entry = { pool: this, target, sessions: [], waiters: [], connecting: 0 };
      this.#entries.set(target, entry);
    }
    if (entry.waiters.length === 0) {
      const session = withRoom(entry);
      if (session !== null) {
        (session[kState] as SessionState).inflight++;
        return session;
      }
    }
    entry.waiters.push(waiter);
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

  /** Closes every session gracefully: streams in flight finish; waiting streams fail. */
  close(): void {
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
    const session: PooledSession = http2.connect(`http://${host}:${target.port}`, {
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

/** Hands free slots to waiting streams, in order; opens a session if some still wait. */
function dispatch(entry: Entry): void {
  while (entry.waiters.length > 0) {
    const session = withRoom(entry);
    if (session === null) break;
    (session[kState] as SessionState).inflight++;
    // Out of the queue before it is served: serving may release a slot and re-enter here.
    const waiter = entry.waiters.shift() as SessionWaiter;
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
  for (const w of waiters) w.sessionReady(null, failure);
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
