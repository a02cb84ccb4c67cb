/**
 * A retry budget, as Linkerd's: retries may add `ratio` of the requests seen over the
 * last `ttlSeconds`, plus a reserve of `minPerSecond` × `ttlSeconds` (so light traffic
 * can still retry). Every request deposits `ratio` of a token, every retry withdraws
 * one; deposits and withdrawals expire after `ttlSeconds`. O(1) per request.
 */

export interface RetryBudgetOptions {
  ratio: number;
  minPerSecond: number;
  ttlSeconds: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudgetOptions = { ratio: 0.2, minPerSecond: 10, ttlSeconds: 10 };

export class RetryBudget {
  private readonly slots: Float64Array;
  private readonly reserve: number;
  private readonly ratio: number;
  private second = 0;
  private sum = 0;

  constructor(opts: RetryBudgetOptions = DEFAULT_RETRY_BUDGET) {
    this.slots = new Float64Array(Math.max(1, Math.ceil(opts.ttlSeconds)));
    // integer milli-tokens: no floating-point drift in the sums
    this.reserve = Math.round(opts.minPerSecond * opts.ttlSeconds * 1000);
    this.ratio = Math.round(opts.ratio * 1000);
  }

  /** Counts a request (not a retry). `nowMs` may be coarse. */
  deposit(nowMs: number): void {
    const i = this.rotate(nowMs);
    this.slots[i] = (this.slots[i] as number) + this.ratio;
    this.sum += this.ratio;
  }

  /** Takes one retry from the budget; false when it is spent. */
  withdraw(nowMs: number): boolean {
    const i = this.rotate(nowMs);
    if (this.reserve + this.sum < 1000) return false;
    this.slots[i] = (this.slots[i] as number) - 1000;
    this.sum -= 1000;
    return true;
  }

  private rotate(nowMs: number): number {
    const sec = Math.floor(nowMs / 1000);
    const n = this.slots.length;
    if (sec !== this.second) {
      const steps = Math.min(n, sec - this.second);
      for (let k = 1; k <= steps; k++) {
        const j = (((this.second + k) % n) + n) % n;
        this.sum -= this.slots[j] as number;
        this.slots[j] = 0;
      }
      this.second = sec;
    }
    return ((sec % n) + n) % n;
  }
}
