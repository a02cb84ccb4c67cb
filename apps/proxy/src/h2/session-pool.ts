/**
 * Pooled HTTP/2 client sessions, one per endpoint: HTTP/2 multiplexes every request to an
 * endpoint over one connection, so the pool holds at most one live session per endpoint
 * and opens a new one when the previous went away (error, GOAWAY, close) or idled out.
 * Connections come from the proxy's `Connector`, so mTLS to meshed endpoints slots in
 * without touching this module.
 */
import http2, { type ClientHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { MeshAlpn } from '@weft/shared';
import type { Connector, ConnectTarget } from '../transport/connector.ts';

export interface H2SessionPoolOptions {
  readonly connector: Connector;
  /** Milliseconds a session with no activity stays open. */
  readonly idleTimeoutMs: number;
  /** Milliseconds to wait for the connection and the peer's SETTINGS. */
  readonly connectTimeoutMs: number;
}

const kTarget = Symbol('weft.h2.poolTarget');
const kPool = Symbol('weft.h2.pool');
const kState = Symbol('weft.h2.sessionState');

/** What happened to a pooled session's connection, for mapping a stream's failure to a reason. */
export interface SessionState {
  connected: boolean;
  error: unknown;
}

type PooledSession = ClientHttp2Session & {
  [kTarget]?: ConnectTarget;
  [kPool]?: H2SessionPool;
  [kState]?: SessionState;
};

export class H2SessionPool {
  readonly #sessions = new Map<ConnectTarget, PooledSession>();
  readonly #options: H2SessionPoolOptions;

  constructor(options: H2SessionPoolOptions) {
    this.#options = options;
  }

  /** The live session to `target`, opening one when there is none. */
  get(target: ConnectTarget): ClientHttp2Session {
    const existing = this.#sessions.get(target);
    if (existing !== undefined && !existing.closed && !existing.destroyed) return existing;
    const connector = this.#options.connector;
    const host = target.address.includes(':') ? `[${target.address}]` : target.address;
    const session: PooledSession = http2.connect(`http://${host}:${target.port}`, {
      createConnection: (): Socket => connector.connect(target, MeshAlpn.h2),
      settings: { enablePush: false, initialWindowSize: 256 * 1024 },
      maxSessionMemory: 32,
    });
    session[kTarget] = target;
    session[kPool] = this;
    session[kState] = { connected: false, error: null };
    session.setTimeout(this.#options.connectTimeoutMs);
    session.on('timeout', onSessionTimeout);
    session.on('connect', onSessionConnect);
    session.on('error', onSessionError);
    session.on('goaway', onSessionGone);
    session.on('close', onSessionGone);
    this.#sessions.set(target, session);
    return session;
  }

  /** Number of sessions currently pooled. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Closes every session gracefully: streams in flight finish, new ones go to new sessions. */
  close(): void {
    for (const session of this.#sessions.values()) session.close();
    this.#sessions.clear();
  }

  /** @internal Forgets `session` if it is still the pooled one for its target. */
  forget(session: ClientHttp2Session): void {
    const target = (session as PooledSession)[kTarget];
    if (target !== undefined && this.#sessions.get(target) === session) this.#sessions.delete(target);
  }

  /** @internal */
  get idleTimeoutMs(): number {
    return this.#options.idleTimeoutMs;
  }
}

/** Whether `session` (from this pool) ever connected, and the error it failed with. */
export function sessionState(session: ClientHttp2Session | undefined): SessionState | undefined {
  return (session as PooledSession | undefined)?.[kState];
}

function onSessionConnect(this: PooledSession): void {
  const state = this[kState];
  if (state !== undefined) state.connected = true;
  const pool = this[kPool];
  if (pool !== undefined) this.setTimeout(pool.idleTimeoutMs);
}

/** Connect timeout, or idle: close (streams in flight, if any, finish first). */
function onSessionTimeout(this: PooledSession): void {
  this[kPool]?.forget(this);
  if (this[kState]?.connected !== true) {
    const error = Object.assign(new Error('HTTP/2 connect timed out'), { code: 'ETIMEDOUT' });
    const state = this[kState];
    if (state !== undefined) state.error = error;
    this.destroy(error);
  } else this.close();
}

function onSessionError(this: PooledSession, error: unknown): void {
  const state = this[kState];
  if (state !== undefined && state.error === null) state.error = error;
  this[kPool]?.forget(this);
}

function onSessionGone(this: PooledSession): void {
  this[kPool]?.forget(this);
}
