/**
 * The controller's endpoint stream, client side: one `destination.get` tRPC SSE
 * subscription per authority (`resolve/sse.ts`), each event a full `EndpointSet`. While
 * the stream is down the last set received stays in force, so the proxy keeps serving
 * while the controller is away.
 */
import { EndpointSet } from '@weft/shared';
import { RateLimitedWarn, type SseHandler, type SseOptions, SseSubscription } from './sse.ts';
import type { ResolveCallback, Resolver } from './types.ts';

export interface DestinationOptions {
  /** Controller base URL, e.g. `http://127.0.0.1:7090`. */
  controllerUrl: string;
  /** First reconnect delay and its cap, in ms. */
  /** The `Authorization` value to send (the proxy's workload token), if any. */
  authorization?: () => string | undefined;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Called with a short line when a stream fails (logging). */
  onWarning?: (msg: string) => void;
}

const IP_PORT = /^(?:\d{1,3}\.){3}\d{1,3}:\d{1,5}$/;

/** One authority's subscription. */
class DestinationStream implements SseHandler {
  private gotSet = false;
  readonly sub: SseSubscription;

  constructor(
    private readonly opts: SseOptions,
    readonly authority: string,
    private readonly cb: ResolveCallback,
  ) {
    this.sub = new SseSubscription(
      opts,
      'destination.get',
      { authority },
      `destination.get ${authority}`,
      this,
    );
  }

  onEvent(data: unknown): void {
    const r = EndpointSet.safeParse(data);
    if (!r.success) {
      this.opts.warn(`destination.get ${this.authority}: bad EndpointSet: ${r.error.issues[0]?.message}`);
      return;
    }
    this.gotSet = true;
    this.cb(r.data);
  }

  onFailure(): void {
    // an IP:port with no answer yet is forwarded directly until the controller answers
    if (!this.gotSet && IP_PORT.test(this.authority)) {
      this.gotSet = true;
      this.cb({ authority: this.authority, service: null, endpoints: [] });
    }
  }
}

/** Resolves authorities through the controller's `destination.get` subscription. */
export class DestinationResolver implements Resolver, SseOptions {
  readonly controllerUrl: string;
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  readonly authorization: () => string | undefined;
  private readonly streams = new Set<DestinationStream>();
  private readonly warnings: RateLimitedWarn;

  constructor(opts: DestinationOptions) {
    this.controllerUrl = opts.controllerUrl;
    this.backoffMinMs = opts.backoffMinMs ?? 200;
    this.backoffMaxMs = opts.backoffMaxMs ?? 5_000;
    this.authorization = opts.authorization ?? (() => undefined);
    this.warnings = new RateLimitedWarn(opts.onWarning ?? (() => {}));
  }

  resolve(authority: string, cb: ResolveCallback): () => void {
    const s = new DestinationStream(this, authority, cb);
    this.streams.add(s);
    return () => {
      this.streams.delete(s);
      s.sub.close();
    };
  }

  close(): void {
    for (const s of this.streams) s.sub.close();
    this.streams.clear();
  }

  warn(msg: string): void {
    this.warnings.warn(msg);
  }
}
