/**
 * The controller's endpoint stream, client side: one `destination.get` tRPC SSE
 * subscription per authority (`GET /trpc/destination.get?input=...`, `Accept:
 * text/event-stream`), each `data:` event parsed as a full `EndpointSet`. When the
 * stream fails it reconnects with exponential backoff and jitter; the last set received
 * stays in force meanwhile, so the proxy keeps serving while the controller is away.
 */
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { EndpointSet } from '@weft/shared';
import type { ResolveCallback, Resolver } from './types.ts';

export interface DestinationOptions {
  /** Controller base URL, e.g. `http://127.0.0.1:7090`. */
  controllerUrl: string;
  /** First reconnect delay and its cap, in ms. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Called with a short line when a stream fails (logging). */
  onWarning?: (msg: string) => void;
}

const IP_PORT = /^(?:\d{1,3}\.){3}\d{1,3}:\d{1,5}$/;

/** One authority's subscription. */
class Stream {
  private req: ClientRequest | null = null;
  private res: IncomingMessage | null = null;
  private timer: NodeJS.Timeout | null = null;
  private backoff: number;
  private closed = false;
  private text = '';
  private data: string[] = [];
  private event = '';
  private gotSet = false;

  constructor(
    private readonly owner: DestinationResolver,
    readonly authority: string,
    private readonly cb: ResolveCallback,
  ) {
    this.backoff = owner.backoffMinMs;
    this.connect();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.req?.destroy();
    this.res?.destroy();
  }

  private connect(): void {
    if (this.closed) return;
    const input = encodeURIComponent(JSON.stringify({ authority: this.authority }));
    const url = new URL(`/trpc/destination.get?input=${input}`, this.owner.controllerUrl);
    const req = request(url, { headers: { accept: 'text/event-stream' } });
    this.req = req;
    req.on('response', (res) => this.onResponse(res));
    req.on('error', (err) => this.retry(`destination.get ${this.authority}: ${err.message}`));
    req.end();
  }

  private onResponse(res: IncomingMessage): void {
    this.res = res;
    if (res.statusCode !== 200) {
      res.resume();
      this.retry(`destination.get ${this.authority}: HTTP ${res.statusCode}`);
      return;
    }
    res.setEncoding('utf8');
    this.text = '';
    res.on('data', (chunk: string) => this.onText(chunk));
    res.on('end', () => this.retry(`destination.get ${this.authority}: stream ended`));
    res.on('error', () => this.retry(`destination.get ${this.authority}: stream failed`));
  }

  private onText(chunk: string): void {
    this.text += chunk;
    let nl = this.text.indexOf('\n');
    while (nl >= 0) {
      const line = this.text.slice(0, nl).replace(/\r$/, '');
      this.text = this.text.slice(nl + 1);
      this.onLine(line);
      nl = this.text.indexOf('\n');
    }
  }

  private onLine(line: string): void {
    if (line === '') {
      const ev = this.event;
      const data = this.data.join('\n');
      this.event = '';
      this.data = [];
      if ((ev === '' || ev === 'message') && data !== '') this.onEvent(data);
      else if (ev === 'serialized-error') this.owner.warn(`destination.get ${this.authority}: ${data}`);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }

  private onEvent(data: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      this.owner.warn(`destination.get ${this.authority}: event is not JSON`);
      return;
    }
    const r = EndpointSet.safeParse(parsed);
    if (!r.success) {
      this.owner.warn(`destination.get ${this.authority}: bad EndpointSet: ${r.error.issues[0]?.message}`);
      return;
    }
    this.backoff = this.owner.backoffMinMs;
    this.gotSet = true;
    this.cb(r.data);
  }

  private retry(why: string): void {
    if (this.closed || this.timer !== null) return;
    this.req?.destroy();
    this.res?.destroy();
    this.req = null;
    this.res = null;
    this.owner.warn(why);
    // an IP:port with no answer yet is forwarded directly until the controller answers
    if (!this.gotSet && IP_PORT.test(this.authority)) {
      this.gotSet = true;
      this.cb({ authority: this.authority, service: null, endpoints: [] });
    }
    const delay = this.backoff * (0.5 + Math.random() * 0.5);
    this.backoff = Math.min(this.owner.backoffMaxMs, this.backoff * 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
    this.timer.unref();
  }
}

/** Resolves authorities through the controller's `destination.get` subscription. */
export class DestinationResolver implements Resolver {
  readonly controllerUrl: string;
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  private readonly streams = new Set<Stream>();
  private readonly onWarning: (msg: string) => void;
  private lastWarning = 0;

  constructor(opts: DestinationOptions) {
    this.controllerUrl = opts.controllerUrl;
    this.backoffMinMs = opts.backoffMinMs ?? 200;
    this.backoffMaxMs = opts.backoffMaxMs ?? 5_000;
    this.onWarning = opts.onWarning ?? (() => {});
  }

  resolve(authority: string, cb: ResolveCallback): () => void {
    const s = new Stream(this, authority, cb);
    this.streams.add(s);
    return () => {
      this.streams.delete(s);
      s.close();
    };
  }

  close(): void {
    for (const s of this.streams) s.close();
    this.streams.clear();
  }

  /** Rate-limited warnings (at most one a second). */
  warn(msg: string): void {
    const now = Date.now();
    if (now - this.lastWarning < 1000) return;
    this.lastWarning = now;
    this.onWarning(msg);
  }
}
