/**
 * Rate limits on what an HTTP/2 peer may make the proxy do for free, per connection:
 * streams a client resets before the proxy answered (rapid reset, CVE-2023-44487: each
 * one costs the proxy a pipeline run and an endpoint stream), SETTINGS frames and PING
 * frames (each one costs an acknowledgement; counted on the pooled endpoint sessions
 * too). Each is a token bucket: a burst, then
 * a sustained rate per second; past it the connection gets GOAWAY ENHANCE_YOUR_CALM (no
 * new stream is taken) and is closed shortly after, its streams in flight reset.
 *
 * Node bounds the rest itself, and `proxy.ts` sets those limits explicitly: header list
 * size and pairs, invalid frames, rejected streams, session memory, and (nghttp2 1.61)
 * CONTINUATION frames per header block. It also ends a session whose queued
 * acknowledgements pile up past 1,000 in one read; the buckets here catch a steadier
 * flood than that.
 */
import type { Http2Session, ServerHttp2Session } from 'node:http2';
import type { H2FloodKind, H2FloodMetrics } from '../metrics/h2-floods.ts';
import { NGHTTP2 } from './node-http2.ts';

const NGHTTP2_ENHANCE_YOUR_CALM = NGHTTP2.ENHANCE_YOUR_CALM;

/** A token bucket's size and refill. */
export interface FloodLimit {
  /** Events allowed at once. */
  readonly burst: number;
  /** Events allowed per second, sustained. */
  readonly perSecond: number;
}

/**
 * Streams reset by the client before the proxy's answer: hedged or cancelled calls reset
 * a few; a client resetting hundreds a second on one connection is not asking for
 * anything.
 */
export const RESET_LIMIT: FloodLimit = { burst: 200, perSecond: 100 };
/** PING frames: keepalives and gRPC's BDP probes send a few a second at most. */
export const PING_LIMIT: FloodLimit = { burst: 100, perSecond: 20 };
/** SETTINGS frames: a client sends one, and seldom another. */
export const SETTINGS_LIMIT: FloodLimit = { burst: 50, perSecond: 10 };

/** One bucket's state: tokens left, and when it was last refilled (ms). */
export class Bucket {
  tokens: number;
  last: number;

  constructor(
    readonly limit: FloodLimit,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.last = now;
  }

  /** Takes one token; false when none is left. */
  take(now: number): boolean {
    const { burst, perSecond } = this.limit;
    if (now > this.last) {
      this.tokens = Math.min(burst, this.tokens + ((now - this.last) * perSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

/** The buckets of one client connection. */
class FloodGuard {
  readonly resets: Bucket;
  readonly pings: Bucket;
  readonly settings: Bucket;
  /** Set once the connection went past a limit: it is being closed. */
  tripped = false;

  constructor(
    now: number,
    readonly metrics: H2FloodMetrics | null,
    readonly onTrip: ((session: Http2Session) => void) | null,
  ) {
    this.resets = new Bucket(RESET_LIMIT, now);
    this.pings = new Bucket(PING_LIMIT, now);
    this.settings = new Bucket(SETTINGS_LIMIT, now);
  }
}

const kGuard = Symbol('weft.h2.floodGuard');

type Guarded = Http2Session & { [kGuard]?: FloodGuard };

/**
 * Starts counting a connection's SETTINGS and PINGs (and, for a client connection, its
 * resets). Closes are counted on `metrics`; `onTrip` (a module-level function) hears of
 * a connection going past a limit before it is closed.
 */
export function guardSession(
  session: Http2Session,
  metrics: H2FloodMetrics | null,
  onTrip: ((session: Http2Session) => void) | null = null,
): void {
  (session as Guarded)[kGuard] = new FloodGuard(Date.now(), metrics, onTrip);
  session.on('ping', onPing);
  session.on('remoteSettings', onRemoteSettings);
}

/** Whether the connection went past a limit (its new streams are refused). */
export function isTripped(session: Http2Session | undefined): boolean {
  return (session as Guarded | undefined)?.[kGuard]?.tripped === true;
}

/** The client reset one of its streams before the proxy answered it. */
export function countReset(session: ServerHttp2Session | null): void {
  const guard = (session as Guarded | null)?.[kGuard];
  if (guard === undefined || guard.tripped || session === null || session.destroyed) return;
  if (!guard.resets.take(Date.now())) trip(session, guard, 'reset');
}

function onPing(this: Guarded): void {
  const guard = this[kGuard];
  if (guard !== undefined && !guard.tripped && !guard.pings.take(Date.now())) trip(this, guard, 'ping');
}

function onRemoteSettings(this: Guarded): void {
  const guard = this[kGuard];
  if (guard !== undefined && !guard.tripped && !guard.settings.take(Date.now()))
    trip(this, guard, 'settings');
}

/**
 * GOAWAY ENHANCE_YOUR_CALM at once (no new stream is taken after it), and the connection
 * closed a moment later: closing it at once, with the flood still arriving unread, would
 * reset it and could lose the GOAWAY on the way to the client.
 */
function trip(session: Http2Session, guard: FloodGuard, kind: H2FloodKind): void {
  guard.tripped = true;
  guard.metrics?.closed(kind);
  guard.onTrip?.(session);
  session.goaway(NGHTTP2_ENHANCE_YOUR_CALM, session.state.lastProcStreamID ?? 0);
  setTimeout(closeFlooded, CLOSE_AFTER_GOAWAY_MS, session).unref();
}

/** Milliseconds between the GOAWAY and closing the flooding connection. */
const CLOSE_AFTER_GOAWAY_MS = 200;

function closeFlooded(session: Http2Session): void {
  if (!session.destroyed) session.destroy(FLOODED, NGHTTP2_ENHANCE_YOUR_CALM);
}

/** The session's error when it is closed for a flood (one object: a flood allocates nothing). */
const FLOODED = new Error('HTTP/2 client went past a flood limit (GOAWAY ENHANCE_YOUR_CALM)');
