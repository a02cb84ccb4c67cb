/**
 * Taps several proxies at once and merges their events into one stream: one
 * `GET /tap` (server-sent events) per proxy admin address, each event validated against
 * the shared `TapEvent` schema, all queued into one bounded queue. When the reader falls
 * behind, events past `maxQueued` are dropped and counted (`dropped` on the stream), never
 * buffered without bound. A proxy that refuses (too many taps, bad filter) or goes away
 * is reported once as a `TapSourceStatus` and the others go on.
 */
import { request } from 'node:http';
import { SseParser, TapEvent, type TapFilter } from '@weft/shared';

/** The most proxies one tap reaches, and the most events waiting for a slow reader. */
export const TAP_MAX_PROXIES = 32;
export const TAP_MAX_QUEUED = 1000;

export interface TapSource {
  /** `namespace/pod`, as reports name it. */
  name: string;
  /** The proxy's admin address, `host:port`. */
  admin: string;
}

export type TapItem = { kind: 'event'; event: TapEvent } | { kind: 'source'; source: string; status: string };

/** The query string a proxy's `/tap` takes for `filter`. */
export function tapQuery(filter: TapFilter): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, String(v));
  return q.toString();
}

export class TapMerge {
  dropped = 0;
  private readonly queue: TapItem[] = [];
  private wake: (() => void) | null = null;
  private open = 0;
  private readonly requests: ReturnType<typeof request>[] = [];

  constructor(
    sources: readonly TapSource[],
    filter: TapFilter,
    private readonly maxQueued = TAP_MAX_QUEUED,
  ) {
    const query = tapQuery(filter);
    for (const s of sources.slice(0, TAP_MAX_PROXIES)) this.tap(s, query);
  }

  private push(item: TapItem): void {
    if (this.queue.length >= this.maxQueued) {
      this.dropped++;
      return;
    }
    this.queue.push(item);
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private tap(source: TapSource, query: string): void {
    this.open++;
    let closed = false;
    const ended = (status: string): void => {
      if (closed) return;
      closed = true;
      this.open--;
      this.push({ kind: 'source', source: source.name, status });
      this.notify();
    };
    const req = request(`http://${source.admin}/tap?${query}`, { agent: false, timeout: 5000 }, (res) => {
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let body = '';
        res.on('data', (c: string) => {
          if (body.length < 512) body += c;
        });
        res.on('end', () => ended(`refused (${res.statusCode}): ${body.trim()}`));
        res.on('error', () => ended(`refused (${res.statusCode})`));
        return;
      }
      req.setTimeout(0);
      this.push({ kind: 'source', source: source.name, status: 'tapping' });
      const parser = new SseParser(256 * 1024);
      res.on('data', (chunk: string) => {
        let events: ReturnType<SseParser['push']>;
        try {
          events = parser.push(chunk);
        } catch (err) {
          req.destroy();
          ended(`bad stream: ${(err as Error).message}`);
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
          if (parsed.success) this.push({ kind: 'event', event: parsed.data });
        }
      });
      res.on('end', () => ended('ended'));
      res.on('error', (err) => ended(`lost: ${err.message}`));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (err) => ended(`unreachable: ${err.message}`));
    req.end();
    this.requests.push(req);
  }

  /** The merged items, until every proxy's stream ended or `signal` aborts. */
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
        if (this.open === 0) return;
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
    for (const r of this.requests) r.destroy();
    this.requests.length = 0;
  }
}
