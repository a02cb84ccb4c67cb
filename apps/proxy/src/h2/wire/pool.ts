/**
 * Pooled h2wire client sessions per endpoint, as `../session-pool.ts` pools node:http2
 * ones: a stream gets a slot on a session with room, another session is opened when every
 * one is full (up to MAX_SESSIONS_PER_ENDPOINT), and streams wait in order, in a bounded
 * queue (`maxQueued`, else 503 `stream-queue-full`) for at most `queueTimeoutMs` (503
 * `stream-queue-timeout`), while no session has room. A session takes streams once the
 * endpoint's SETTINGS arrived. A waiter that gives up leaves its place empty (skipped).
 *
 * Sessions connect through the proxy's `Connector` (mTLS to meshed endpoints, ALPN h2),
 * within `connectTimeoutMs` (up to the endpoint's SETTINGS), and are counted in the
 * endpoint's TCP metrics as the HTTP/1 pool's connections are. When the proxy's
 * certificate is renewed (`Connector.onRenewal`), the secured sessions opened with the
 * old one are retired: GOAWAY, no new stream, streams in flight finish, then they close;
 * the next stream opens a session with the new certificate.
 */

import { MeshAlpn } from '@weft/shared';
import { ProxyError, ProxyErrorReason, reasonOfSocketError } from '../../errors/respond.ts';
import type { TargetMetrics } from '../../metrics/handles.ts';
import type { Connector, ConnectTarget } from '../../transport/connector.ts';
import { MAX_SESSIONS_PER_ENDPOINT } from '../session-pool.ts';
import { ClientSession, type SessionListener } from './client-session.ts';

export interface WirePoolOptions {
  readonly connector: Connector;
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly queueTimeoutMs: number;
  readonly maxQueued: number;
}

/** An endpoint sessions are pooled for: where to connect, and where its connections are counted. */
export interface WireTarget extends ConnectTarget {
  readonly metrics: TargetMetrics;
}

/** A stream waiting for a session slot (see `../session-pool.ts` `SessionWaiter`). */
export interface WireWaiter {
  queuedOn: object | null;
  queuedAt: number;
  sessionReady(session: ClientSession | null, error: ProxyError | null): void;
}

interface Entry {
  readonly pool: WirePool;
  readonly target: WireTarget;
  readonly sessions: ClientSession[];
  waiters: WireWaiter[];
  connecting: number;
}

const QUEUE_FULL = new ProxyError(
  ProxyErrorReason.streamQueueFull,
  'too many HTTP/2 streams wait for a session to this endpoint',
);
const QUEUE_TIMEOUT = new ProxyError(
  ProxyErrorReason.streamQueueTimeout,
  'an HTTP/2 stream waited too long for a session to this endpoint',
);

export class WirePool implements SessionListener {
  readonly #entries = new Map<ConnectTarget, Entry>();
  readonly #options: WirePoolOptions;
  #sweeper: NodeJS.Timeout | null = null;
  readonly #unsubscribe: (() => void) | undefined;

  constructor(options: WirePoolOptions) {
    this.#options = options;
    this.#unsubscribe = options.connector.onRenewal?.(() => this.renewed());
  }

  /** A session with a slot reserved now, or null (`waiter.sessionReady` is or was called). */
  acquire(target: WireTarget, waiter: WireWaiter): ClientSession | null {
    let entry = this.#entries.get(target);
    if (entry === undefined) {
      entry = { pool: this, target, sessions: [], waiters: [], connecting: 0 };
      this.#entries.set(target, entry);
    }
    if (skipAbandoned(entry) === 0) {
      const session = withRoom(entry);
      if (session !== null) {
        session.inflight++;
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

  /** Gives back a slot; a waiting stream may take it. */
  release(session: ClientSession): void {
    session.inflight--;
    const entry = session.entry as Entry | null;
    if (entry !== null && entry.waiters.length > 0) dispatch(entry);
  }

  sweep(now: number): void {
    const oldest = now - this.#options.queueTimeoutMs;
    let waiting = 0;
    for (const entry of this.#entries.values()) {
      while (entry.waiters.length > 0) {
        const w = entry.waiters[0] as WireWaiter;
        if (w.queuedOn === entry && w.queuedAt > oldest) break;
        entry.waiters.shift();
        if (w.queuedOn !== entry) continue;
        w.queuedOn = null;
        w.sessionReady(null, QUEUE_TIMEOUT);
      }
      waiting += entry.waiters.length;
      if (entry.waiters.length === 0) this.prune(entry);
    }
    if (waiting === 0 && this.#sweeper !== null) {
      clearInterval(this.#sweeper);
      this.#sweeper = null;
    }
  }

  /** Closes every session gracefully: streams in flight finish; waiting streams fail. */
  close(): void {
    this.#unsubscribe?.();
    if (this.#sweeper !== null) clearInterval(this.#sweeper);
    this.#sweeper = null;
    for (const entry of this.#entries.values()) {
      for (const s of [...entry.sessions]) s.shutdown();
      failWaiters(entry, new Error('the proxy is shutting down'), false);
    }
    this.#entries.clear();
  }

  /** The proxy's certificate was renewed: sessions made with the old one take no new stream. */
  renewed(): void {
    for (const entry of [...this.#entries.values()]) {
      for (const s of [...entry.sessions]) if (s.ready && this.stale(s)) this.retire(s);
    }
  }

  /** @internal Opens one more session to the entry's endpoint. */
  open(entry: Entry): void {
    const connector = this.#options.connector;
    const socket = connector.connect(entry.target, MeshAlpn.h2);
    const session = new ClientSession(socket, this);
    session.entry = entry;
    if (connector.secured(entry.target)) session.epoch = connector.epoch ?? 0;
    entry.sessions.push(session);
    entry.connecting++;
    socket.setTimeout(this.#options.connectTimeoutMs);
    const tcp = entry.target.metrics.tcp;
    socket.once('connect', () => {
      tcp.open(socket);
      socket.once('close', () => tcp.close(socket));
    });
  }

  /** Whether a secured session was opened with a certificate since renewed. */
  private stale(session: ClientSession): boolean {
    return session.epoch >= 0 && session.epoch !== (this.#options.connector.epoch ?? 0);
  }

  /** Offers the session no more: GOAWAY, its streams finish, then it closes. */
  private retire(session: ClientSession): void {
    this.sessionRetired(session);
    session.shutdown();
  }

  prune(entry: Entry): void {
    if (
      entry.sessions.length === 0 &&
      entry.waiters.length === 0 &&
      this.#entries.get(entry.target) === entry
    ) {
      this.#entries.delete(entry.target);
    }
  }

  // === impl SessionListener ===

  sessionSettings(session: ClientSession): void {
    const entry = session.entry as Entry;
    if (!session.open) return;
    if (!session.ready) {
      session.ready = true;
      entry.connecting--;
      session.socket.setTimeout(this.#options.idleTimeoutMs);
      if (this.stale(session)) {
        // renewed while it connected: the waiting streams go to a session with the new certificate
        this.retire(session);
        return;
      }
    }
    dispatch(entry);
  }

  sessionRetired(session: ClientSession): void {
    if (!session.open) return;
    session.open = false;
    const entry = session.entry as Entry;
    const i = entry.sessions.indexOf(session);
    if (i >= 0) entry.sessions.splice(i, 1);
    if (!session.ready) {
      entry.connecting--;
      if (entry.connecting === 0 && withRoom(entry) === null) {
        failWaiters(entry, session.error ?? new Error('HTTP/2 session closed before SETTINGS'), false);
      }
    } else if (entry.waiters.length > 0) dispatch(entry);
    this.prune(entry);
  }
}

function withRoom(entry: Entry): ClientSession | null {
  for (const s of entry.sessions) {
    if (s.open && s.ready && s.usable() && s.inflight < s.peerMaxConcurrent) return s;
  }
  return null;
}

function sweepQueues(pool: WirePool): void {
  pool.sweep(Date.now());
}

function isQueuedOn(this: Entry, w: WireWaiter): boolean {
  return w.queuedOn === this;
}

function skipAbandoned(entry: Entry): number {
  const waiters = entry.waiters;
  while (waiters.length > 0 && (waiters[0] as WireWaiter).queuedOn !== entry) waiters.shift();
  return waiters.length;
}

function dispatch(entry: Entry): void {
  while (skipAbandoned(entry) > 0) {
    const session = withRoom(entry);
    if (session === null) break;
    session.inflight++;
    const waiter = entry.waiters.shift() as WireWaiter;
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
          { cause: error },
        );
  for (const w of waiters) {
    if (w.queuedOn !== entry) continue;
    w.queuedOn = null;
    w.sessionReady(null, failure);
  }
}
