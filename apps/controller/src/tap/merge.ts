/**
 * Taps several proxies at once and merges their events into one stream: one
 * `GET /tap` (server-sent events) per proxy admin address, each event validated against
 * the shared `TapEvent` schema, all queued into one bounded queue.
 *
 * Bounds: at most `TAP_MAX_PROXIES` proxies; at most `maxRps` events a second on the
 * merged stream (the filter's, else `TAP_DEFAULT_RATE`), and at most `maxQueued` waiting
 * for a slow reader; the rest are dropped and counted (`dropped`), never buffered.
 *
 * With `rescanMs`, the sources are listed again that often and every listed proxy that is
 * not streaming is tapped again: a proxy that restarts (or a pod that replaced it) comes
 * back into the stream. Each proxy's status (tapping, refused, ended, unreachable) is
 * reported when it changes, and the others go on.
 */
import { type ClientRequest, request } from 'node:http';
import { SseParser, TAP_DEFAULT_RATE, TapEvent, type TapFilter } from '@weft/shared';

/** The most proxies one tap reaches, and the most events waiting for a slow reader. */
export const TAP_MAX_PROXIES = 32;
export const TAP_MAX_QUEUED = 1000;

export interface TapSource {
  /** `namespace/pod`, as reports name it. */
  name: string;
  /** The proxy's admin address, `host:port`. */
  admin: string;
}

export type TapItem =
  | { kind: 'event'; event: TapEvent }
  | { kind: 'source'; source: string; status: string }
  | { kind: 'dropped'; dropped: number };

export interface TapMergeOptions {
  /** Items kept for a slow reader (default `TAP_MAX_QUEUED`). */
  maxQueued?: number;
  /** List the sources again this often (ms) and re-tap those not streaming; 0: tap once. */
  rescanMs?: number;
}

/** The query string a proxy's `/tap` takes for `filter`. */
export function tapQuery(filter: TapFilter): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, String(v));
  return q.toString();
}

const keyOf = (s: TapSource): string => `${s.name} ${s.admin}`;

export class TapMerge {
  dropped = 0;
  private readonly queue: TapItem[] = [];
  private wake: (() => void) | null = null;
  /** Streams open or being opened, by source key. */
  private readonly streams = new Map<string, ClientRequest>();
  /** The last status reported per source name (only changes are reported). */
  private readonly statuses = new Map<string, string>();
  private readonly maxQueued: number;
  private readonly rate: number;
  private readonly query: string;
  private readonly list: () => readonly TapSource[];
  private rescan: NodeJS.Timeout | null = null;
  private closed = false;
  private windowStart = 0;
  private inWindow = 0;
  private reportedDropped = 0;

  constructor(
    sources: readonly TapSource[] | (() => readonly TapSource[]),
    filter: TapFilter,
    options: TapMergeOptions | number = {},
  ) {
    const opts = typeof options === 'number' ? { maxQueued: options } : options;
    this.maxQueued = opts.maxQueued ?? TAP_MAX_QUEUED;
    this.rate = filter.maxRps ?? TAP_DEFAULT_RATE;
    this.query = tapQuery(filter);
    this.list = typeof sources === 'function' ? sources : () => sources;
    this.sync();
    const every = opts.rescanMs ?? 0;
    if (every > 0) {
      this.rescan = setInterval(() => this.sync(), every);
      this.rescan.unref();
    }
  }

  /** Taps every listed source that is not streaming. */
  private sync(): void {
    if (this.closed) return;
    let n = 0;
    for (const s of this.list()) {
      if (n++ >= TAP_MAX_PROXIES) break;
      if (!this.streams.has(keyOf(s))) this.tap(s);
    }
  }

  private push(item: TapItem): void {
    if (this.queue.length >= this.maxQueued) {
      this.dropped++;
      return;
    }
    this.queue.push(item);
    this.notify();
  }

  private pushEvent(event: TapEvent): void {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
      if (this.dropped !== this.reportedDropped) {
        this.reportedDropped = this.dropped;
        this.push({ kind: 'dropped', dropped: this.dropped });
      }
    }
    if (this.inWindow >= this.rate) {
      this.dropped++;
      return;
    }
    this.inWindow++;
    this.push({ kind: 'event', event });
  }

  private status(source: string, status: string): void {
    if (this.statuses.get(source) === status) return;
    this.statuses.set(source, status);
    this.push({ kind: 'source', source, status });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private tap(source: TapSource): void {
    const key = keyOf(source);
    let ended = false;
    const end = (status: string): void => {
      if (ended) return;
      ended = true;
      this.streams.delete(key);
      if (!this.closed) this.status(source.name, status);
      this.notify();
    };
    const req = request(
      `http://${source.admin}/tap?${this.query}`,
      { agent: false, timeout: 5000 },
      (res) => {
        res.setEncoding('utf8');
        if (res.statusCode !== 200) {
          let body = '';
          res.on('data', (c: string) => {
            if (body.length < 512) body += c;
          });
          res.on('end', () => end(`refused (${res.statusCode}): ${body.trim()}`));
          res.on('error', () => end(`refused (${res.statusCode})`));
          return;
        }
        req.setTimeout(0);
        this.status(source.name, 'tapping');
        const parser = new SseParser(256 * 1024);
        res.on('data', (chunk: string) => {
          let events: ReturnType<SseParser['push']>;
          try {
            events = parser.push(chunk);
          } catch (err) {
            req.destroy();
            end(`bad stream: ${(err as Error).message}`);
            return;
          }
          for (const e of events) {
            if (e.event !== 'tap') continue;
            let json: unknown;
            try {
              json = JSON.parse(e.data);
            } catch {
              continue;
            }
            const parsed = TapEvent.safeParse(json);
            if (parsed.success) this.pushEvent(parsed.data);
          }
        });
        res.on('end', () => end('ended'));
        res.on('error', (err) => end(`lost: ${err.message}`));
        res.on('close', () => end('ended'));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (err) => end(`unreachable: ${err.message}`));
    req.end();
    this.streams.set(key, req);
  }

  /**
   * The merged items, until `signal` aborts, or (without `rescanMs`) every proxy's
   * stream ended.
   */
  async *items(signal?: AbortSignal): AsyncGenerator<TapItem> {
    const onAbort = (): void => this.notify();
    signal?.addEventListener('abort', onAbort);
    try {
      while (signal?.aborted !== true) {
        const item = this.queue.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        if (this.streams.size === 0 && this.rescan === null) return;
        await new Promise<void>((r) => {
          this.wake = r;
        });
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.close();
    }
  }

  close(): void {
    this.closed = true;
    if (this.rescan !== null) clearInterval(this.rescan);
    for (const r of this.streams.values()) r.destroy();
    this.streams.clear();
  }
}
