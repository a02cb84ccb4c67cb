/**
 * The per-label-set accumulators behind the HTTP and TCP handles: plain fields bumped
 * per event, read by the registry at scrape time.
 */
import type { Socket } from 'node:net';
import { Classification, LATENCY_BUCKETS_MS, LabelKey } from '@weft/shared';
import { Histogram, type Labels } from './collected.ts';
import type { HttpMetrics, TcpMetrics } from './handles.ts';

export const BUCKETS = LATENCY_BUCKETS_MS;
export const NB = BUCKETS.length;

/** Counts and latencies of one status code within one label set. */
class StatusAccum {
  successes = 0;
  failures = 0;
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  readonly buckets = new Float64Array(NB + 1);
  sum = 0;
  count = 0;
  readonly successLabels: Labels;
  readonly failureLabels: Labels;
  readonly latencyLabels: Labels;
  constructor(base: Labels, status: number) {
    const code = String(status);
    this.successLabels = {
      ...base,
      [LabelKey.classification]: Classification.success,
      [LabelKey.statusCode]: code,
    };
    this.failureLabels = {
      ...base,
      [LabelKey.classification]: Classification.failure,
      [LabelKey.statusCode]: code,
    };
    this.latencyLabels = { ...base, [LabelKey.statusCode]: code };
  }
}

/** HTTP counters of one label set. */
export class HttpAccum implements HttpMetrics {
  requests = 0;
  readonly byStatus = new Map<number, StatusAccum>();
  private lastStatus = -1;
  private last: StatusAccum | null = null;
  constructor(readonly labels: Labels) {}

  request(): void {
    this.requests++;
  }

  response(status: number, latencyMs: number, failure: boolean): void {
    let s = this.last;
    if (status !== this.lastStatus || s === null) {
      s = this.byStatus.get(status) ?? null;
      if (s === null) {
        s = new StatusAccum(this.labels, status);
        this.byStatus.set(status, s);
      }
      this.last = s;
      this.lastStatus = status;
    }
    if (failure) s.failures++;
    else s.successes++;
    let b = 0;
    while (b < NB && latencyMs > (BUCKETS[b] as number)) b++;
    (s.buckets as Float64Array)[b] = (s.buckets[b] as number) + 1;
    s.sum += latencyMs;
    s.count++;
  }
}

/**
 * When each counted connection opened (`performance.now()`) and the errno it failed
 * with: kept beside the socket rather than on it, so sockets keep their shape.
 */
const openedAt = new WeakMap<Socket, number>();
const errnoOf = new WeakMap<Socket, string>();

/** Notes the errno of a socket error (`ECONNRESET`, ...) for the close that follows it. */
function noteErrno(this: Socket, err: NodeJS.ErrnoException): void {
  if (typeof err?.code === 'string' && /^E[A-Z0-9]+$/.test(err.code)) errnoOf.set(this, err.code);
}

/** Connections of one label set that closed with one errno. */
export class ErrnoCloses {
  closes = 0;
  readonly duration = new Histogram(BUCKETS);
  constructor(readonly labels: Labels) {}
}

/** Errno values kept per label set; further ones are counted as `errno="EOTHER"`. */
const MAX_ERRNOS = 16;

/** TCP counters of one label set. */
export class TcpAccum implements TcpMetrics {
  opens = 0;
  /** All closes, clean or not. */
  closes = 0;
  readBytes = 0;
  writeBytes = 0;
  /** `tcp_connection_duration_ms`: lifetimes of connections that closed cleanly, Linkerd's latency buckets. */
  readonly duration = new Histogram(BUCKETS);
  /** Closes after a socket error, by errno (`tcp_close_total{errno}` and its durations). */
  readonly byErrno = new Map<string, ErrnoCloses>();
  constructor(readonly labels: Labels) {}

  open(socket: Socket): void {
    this.opens++;
    openedAt.set(socket, performance.now());
    socket.on('error', noteErrno);
  }

  close(socket: Socket): void {
    this.closes++;
    this.readBytes += socket.bytesRead;
    this.writeBytes += socket.bytesWritten;
    const at = openedAt.get(socket);
    const errno = errnoOf.get(socket);
    const h = errno === undefined ? this.duration : this.errnoCloses(errno);
    if (at !== undefined) h.observe(performance.now() - at);
  }

  /** Closes that ended cleanly. */
  get cleanCloses(): number {
    let n = this.closes;
    for (const e of this.byErrno.values()) n -= e.closes;
    return n;
  }

  private errnoCloses(errno: string): Histogram {
    let e = this.byErrno.get(errno);
    if (e === undefined) {
      if (this.byErrno.size >= MAX_ERRNOS) errno = 'EOTHER';
      e = this.byErrno.get(errno);
      if (e === undefined) {
        e = new ErrnoCloses({ ...this.labels, errno });
        this.byErrno.set(errno, e);
      }
    }
    e.closes++;
    return e.duration;
  }
}
