/**
 * Coarse time for the hot path: one interval per proxy drives every deadline (header
 * and idle timeouts, request timeouts, connect timeouts, pool and cache eviction) by
 * sweeping the objects that carry one, so that no request arms a timer of its own.
 * Accuracy is the tick (100 ms by default), which is ample for timeouts.
 */

/** A function called on every tick with the current time (ms since the epoch). */
export type Sweeper = (now: number) => void;

/** One proxy's ticker. */
export class Ticker {
  /** The time at the last tick; cheap to read, up to one tick stale. */
  now = Date.now();
  private readonly sweepers: Sweeper[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly tickMs = 100) {}

  /** Registers a sweeper, called on each tick in registration order. */
  add(fn: Sweeper): void {
    this.sweepers.push(fn);
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(tick, this.tickMs, this);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Runs one tick now (also used by the interval). */
  tick(): void {
    const now = Date.now();
    this.now = now;
    for (const fn of this.sweepers) {
      try {
        fn(now);
      } catch (err) {
        // A sweeper bug must not stop the others nor crash the proxy.
        process.emitWarning(`weft proxy: sweeper failed: ${String(err)}`);
      }
    }
  }
}

function tick(t: Ticker): void {
  t.tick();
}
