/**
 * A route's retry classification, compiled once: which HTTP statuses and gRPC codes are
 * retried (`retry.weft.dev/http`, `retry.weft.dev/grpc`), how many retries, and each
 * attempt's timeout. Lookups are a bitmap read. Connection failures are retried by the
 * pipeline whatever the statuses say; the retry budget still bounds every retry.
 */
import type { RetryPlan } from '@weft/shared';

/** Statuses outside 100–599 are never retried. */
const MIN_STATUS = 100;
const MAX_STATUS = 599;

export class CompiledRetry {
  /** Retries per request, not counting the first attempt. */
  readonly limit: number;
  /** Each attempt's own timeout in ms, or undefined for none. */
  readonly timeoutMs: number | undefined;
  private readonly httpStatuses: Uint8Array;
  private readonly grpcMask: number;

  constructor(plan: RetryPlan) {
    this.limit = plan.limit;
    this.timeoutMs = plan.timeoutMs;
    this.httpStatuses = new Uint8Array(MAX_STATUS + 1);
    for (const range of plan.httpStatuses) {
      const lo = Math.max(MIN_STATUS, range.min);
      const hi = Math.min(MAX_STATUS, range.max);
      for (let s = lo; s <= hi; s++) this.httpStatuses[s] = 1;
    }
    let mask = 0;
    for (const code of plan.grpcCodes) if (code >= 0 && code <= 16) mask |= 1 << code;
    this.grpcMask = mask;
  }

  /** Whether a response with this HTTP status is retried. */
  retriesHttp(status: number): boolean {
    return status >= MIN_STATUS && status <= MAX_STATUS && this.httpStatuses[status] === 1;
  }

  /** Whether a response with this gRPC status code is retried. */
  retriesGrpc(code: number): boolean {
    return code >= 0 && code <= 16 && (this.grpcMask & (1 << code)) !== 0;
  }
}
