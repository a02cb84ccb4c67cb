/**
 * One tRPC SSE subscription to the controller (`GET /trpc/<procedure>?input=<json>`,
 * `Accept: text/event-stream`), as `destination.get` and `policy.watch` both are: each
 * `data:` event parsed as JSON and handed to the owner; when the stream fails or ends it
 * reconnects with exponential backoff and jitter (reset by the next good event). The
 * owner keeps what it last received meanwhile, so the proxy keeps serving while the
 * controller is away.
 */
import { type ClientRequest, type IncomingMessage, request } from 'node:http';

/** Where subscriptions connect and how they back off; shared by a client's streams. */
export interface SseOptions {
  /** Controller base URL, e.g. `http://127.0.0.1:7090`. */
  readonly controllerUrl: string;
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  /** The `Authorization` value to send (the proxy's current workload token), if any. */
  authorization?(): string | undefined;
  /** Rate-limited warning sink. */
  warn(msg: string): void;
}

/** What a subscription reports to its owner. */
export interface SseHandler {
  /** A `data:` event, parsed as JSON (the owner validates it). */
  onEvent(data: unknown): void;
  /** The stream failed (it is being retried); `why` is already logged. */
  onFailure?(why: string): void;
}

/** The longest event accepted (a policy with many routes is big; a runaway stream is not). */
const MAX_EVENT_CHARS = 4 * 1024 * 1024;

export class SseSubscription {
  private req: ClientRequest | null = null;
  private res: IncomingMessage | null = null;
  private timer: NodeJS.Timeout | null = null;
  private backoff: number;
  private closed = false;
  private text = '';
  private data: string[] = [];
  private dataChars = 0;
  private event = '';

  constructor(
    private readonly opts: SseOptions,
    private readonly procedure: string,
    private readonly input: unknown,
    /** Names the stream in warnings, e.g. `destination.get web.demo:80`. */
    readonly label: string,
    private readonly handler: SseHandler,
  ) {
    this.backoff = opts.backoffMinMs;
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
    const input = encodeURIComponent(JSON.stringify(this.input));
    const url = new URL(`/trpc/${this.procedure}?input=${input}`, this.opts.controllerUrl);
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    const authorization = this.opts.authorization?.();
    if (authorization !== undefined) headers.authorization = authorization;
    const req = request(url, { headers });
    this.req = req;
    req.on('response', (res) => this.onResponse(res));
    req.on('error', (err) => this.retry(`${this.label}: ${err.message}`));
    req.end();
  }

  private onResponse(res: IncomingMessage): void {
    this.res = res;
    if (res.statusCode !== 200) {
      res.resume();
      this.retry(`${this.label}: HTTP ${res.statusCode}`);
      return;
    }
    res.setEncoding('utf8');
    this.text = '';
    this.data = [];
    this.dataChars = 0;
    this.event = '';
    res.on('data', (chunk: string) => this.onText(chunk));
    res.on('end', () => this.retry(`${this.label}: stream ended`));
    res.on('error', () => this.retry(`${this.label}: stream failed`));
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
    if (this.text.length + this.dataChars > MAX_EVENT_CHARS) this.retry(`${this.label}: event too large`);
  }

  private onLine(line: string): void {
    if (line === '') {
      const ev = this.event;
      const data = this.data.join('\n');
      this.event = '';
      this.data = [];
      this.dataChars = 0;
      if ((ev === '' || ev === 'message') && data !== '') this.onData(data);
      else if (ev === 'serialized-error') this.opts.warn(`${this.label}: ${data}`);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.data.push(value);
      this.dataChars += value.length;
    } else if (field === 'event') this.event = value;
  }

  private onData(data: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      this.opts.warn(`${this.label}: event is not JSON`);
      return;
    }
    this.backoff = this.opts.backoffMinMs;
    this.handler.onEvent(parsed);
  }

  private retry(why: string): void {
    if (this.closed || this.timer !== null) return;
    this.req?.destroy();
    this.res?.destroy();
    this.req = null;
    this.res = null;
    this.opts.warn(why);
    this.handler.onFailure?.(why);
    const delay = this.backoff * (0.5 + Math.random() * 0.5);
    this.backoff = Math.min(this.opts.backoffMaxMs, this.backoff * 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
    this.timer.unref();
  }
}

/** Warnings at most once a second, so a controller outage does not flood the log. */
export class RateLimitedWarn {
  private last = 0;
  constructor(private readonly sink: (msg: string) => void) {}
  warn(msg: string): void {
    const now = Date.now();
    if (now - this.last < 1000) return;
    this.last = now;
    this.sink(msg);
  }
}
