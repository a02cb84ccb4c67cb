/**
 * The proxy's taps: who listens, with which filter, at what rate. The request path asks
 * one question, `hub.active` (a plain boolean), and only when it is true builds an event
 * (`tap/event.ts`) and offers it to each tap. Bounds: at most `TAP_MAX_CONCURRENT` taps,
 * each given at most its `maxRps` events per second (the rest are counted, not queued).
 */
import {
  inStatusClass,
  TAP_DEFAULT_RATE,
  TAP_MAX_CONCURRENT,
  type TapEvent,
  type TapFilter,
} from '@weft/shared';

/** Where a tap's events go (the admin server writes them to its response). */
export interface TapSink {
  send(event: TapEvent): void;
}

export class Tap {
  /** Events refused by the rate bound since the tap opened. */
  dropped = 0;
  sent = 0;
  private windowStart = 0;
  private inWindow = 0;
  private readonly rate: number;

  constructor(
    readonly filter: TapFilter,
    private readonly sink: TapSink,
  ) {
    this.rate = filter.maxRps ?? TAP_DEFAULT_RATE;
  }

  /** Whether this second's budget has room (else events for it are not even built). */
  hasRoom(nowMs: number): boolean {
    return nowMs - this.windowStart >= 1000 || this.inWindow < this.rate;
  }

  /** Counts an event not built because the budget was spent. */
  skip(): void {
    this.dropped++;
  }

  /** Sends `event` if it matches and the rate allows. */
  offer(event: TapEvent, nowMs: number): void {
    if (!matches(this.filter, event)) return;
    if (nowMs - this.windowStart >= 1000) {
      this.windowStart = nowMs;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.rate) {
      this.dropped++;
      return;
    }
    this.inWindow++;
    this.sent++;
    this.sink.send(event);
  }
}

/** Whether an event passes every condition of a filter. */
export function matches(f: TapFilter, e: TapEvent): boolean {
  if (f.namespace !== undefined && e.source.namespace !== f.namespace) return false;
  if (f.workload !== undefined && e.source.workload !== f.workload) return false;
  if (f.toNamespace !== undefined && e.destination.namespace !== f.toNamespace) return false;
  if (f.toWorkload !== undefined && e.destination.workload !== f.toWorkload) return false;
  if (f.method !== undefined && e.method !== f.method.toUpperCase()) return false;
  if (f.pathPrefix !== undefined && !e.path.startsWith(f.pathPrefix)) return false;
  if (f.authority !== undefined && e.authority.toLowerCase() !== f.authority.toLowerCase()) return false;
  if (f.statusClass !== undefined && !inStatusClass(e.status, f.statusClass)) return false;
  return true;
}

export class TapHub {
  /** True while at least one tap listens: the only thing the request path reads when idle. */
  active = false;
  /** This proxy's own mesh identity (null: identity off), the other side of each mTLS hop. */
  identity: string | null = null;
  private readonly taps = new Set<Tap>();

  constructor(
    /** `namespace/workload/pod` of this proxy, as events name it. */
    readonly proxyName: string,
    readonly namespace: string | null,
    readonly workload: string | null,
    readonly maxTaps = TAP_MAX_CONCURRENT,
  ) {}

  get count(): number {
    return this.taps.size;
  }

  /** Opens a tap, or returns undefined when `maxTaps` are already open. */
  open(filter: TapFilter, sink: TapSink): Tap | undefined {
    if (this.taps.size >= this.maxTaps) return undefined;
    const tap = new Tap(filter, sink);
    this.taps.add(tap);
    this.active = true;
    return tap;
  }

  close(tap: Tap): void {
    this.taps.delete(tap);
    this.active = this.taps.size > 0;
  }

  /**
   * Whether an event is worth building now: some tap still has room this second. When
   * none has, the request is counted as dropped on every tap and nothing is built.
   */
  wants(): boolean {
    const now = Date.now();
    for (const tap of this.taps) if (tap.hasRoom(now)) return true;
    for (const tap of this.taps) tap.skip();
    return false;
  }

  publish(event: TapEvent): void {
    const now = Date.now();
    for (const tap of this.taps) tap.offer(event, now);
  }
}
