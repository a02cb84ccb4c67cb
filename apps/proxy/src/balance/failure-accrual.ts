/**
 * Consecutive-failures accrual, as Linkerd's `balancer.linkerd.io/failure-accrual:
 * consecutive`: after `consecutiveFailures` failed attempts in a row an endpoint is
 * ejected (the balancer stops picking it) for a penalty. When the penalty is over, the
 * next pick of it is a probe: while the probe runs it stays out of the pool (for at most
 * another penalty, in case no outcome is ever reported). A success, probe or not,
 * restores it; a failed probe ejects it again with the next, longer penalty. Penalties
 * back off exponentially from `minPenaltyMs` (doubling, capped at `maxPenaltyMs`), plus
 * a random jitter of up to `jitterRatio` times the penalty.
 *
 * Times are epoch milliseconds (`Date.now()` or the proxy's coarse clock).
 */
import type { FailureAccrualPlan } from '@weft/shared';

/** The compiled plan, shared by every endpoint of one balancer. */
export class FailureAccrualPolicy {
  readonly consecutiveFailures: number;
  readonly minPenaltyMs: number;
  readonly maxPenaltyMs: number;
  readonly jitterRatio: number;

  constructor(
    readonly plan: FailureAccrualPlan,
    private readonly random: () => number = Math.random,
  ) {
    this.consecutiveFailures = Math.max(1, plan.consecutiveFailures);
    this.minPenaltyMs = plan.minPenaltyMs;
    this.maxPenaltyMs = Math.max(plan.minPenaltyMs, plan.maxPenaltyMs);
    this.jitterRatio = plan.jitterRatio;
  }

  /** The penalty for the `n`th ejection in a row (0 for the first). */
  penaltyMs(n: number): number {
    const base = Math.min(this.maxPenaltyMs, this.minPenaltyMs * 2 ** Math.min(n, 30));
    return base + base * this.jitterRatio * this.random();
  }

  /** Whether another plan says the same (so endpoint state can carry over). */
  sameAs(plan: FailureAccrualPlan): boolean {
    const a = this.plan;
    return (
      a.consecutiveFailures === plan.consecutiveFailures &&
      a.minPenaltyMs === plan.minPenaltyMs &&
      a.maxPenaltyMs === plan.maxPenaltyMs &&
      a.jitterRatio === plan.jitterRatio
    );
  }
}

/** One endpoint's accrual state. */
export class FailureAccrual {
  /** Failed attempts in a row while in the pool. */
  failures = 0;
  /** Ejected until this time; 0 while in the pool. */
  ejectedUntil = 0;
  /** Ejections in a row (the backoff exponent of the current penalty). */
  ejections = 0;
  /** A probe has been let through and its outcome is awaited. */
  probing = false;

  /** True when the endpoint is out of the pool (ejected, or its probe is running). */
  get ejected(): boolean {
    return this.ejectedUntil !== 0;
  }

  /** Whether the balancer may pick the endpoint at `now` (in the pool, or due a probe). */
  pickable(now: number): boolean {
    return this.ejectedUntil === 0 || now >= this.ejectedUntil;
  }

  /** Called when the balancer picked it: a pick after the penalty is the probe. */
  picked(policy: FailureAccrualPolicy, now: number): void {
    if (this.ejectedUntil === 0 || now < this.ejectedUntil) return;
    this.probing = true;
    this.ejectedUntil = now + policy.penaltyMs(this.ejections - 1);
  }

  /** Records the outcome of an attempt on the endpoint. */
  record(policy: FailureAccrualPolicy, ok: boolean, now: number): void {
    if (ok) {
      this.failures = 0;
      this.ejectedUntil = 0;
      this.ejections = 0;
      this.probing = false;
      return;
    }
    if (this.ejectedUntil !== 0) {
      // Out of the pool: only the probe's failure counts (others started before the ejection).
      if (!this.probing) return;
      this.probing = false;
      this.ejectedUntil = now + policy.penaltyMs(this.ejections);
      this.ejections++;
      return;
    }
    this.failures++;
    if (this.failures >= policy.consecutiveFailures) {
      this.failures = 0;
      this.ejectedUntil = now + policy.penaltyMs(0);
      this.ejections = 1;
    }
  }

  reset(): void {
    this.failures = 0;
    this.ejectedUntil = 0;
    this.ejections = 0;
    this.probing = false;
  }
}
