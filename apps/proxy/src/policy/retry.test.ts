import { RetryPlan } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { CompiledRetry } from './retry.ts';

describe('CompiledRetry', () => {
  it('retries the statuses of its ranges and nothing else', () => {
    // `5xx` and `gateway-error`, `429`, as the controller expands them
    const r = new CompiledRetry(
      RetryPlan.parse({
        httpStatuses: [
          { min: 502, max: 504 },
          { min: 429, max: 429 },
        ],
        limit: 3,
        timeoutMs: 250,
      }),
    );
    expect([500, 501, 502, 503, 504, 505, 429, 200, 404].filter((s) => r.retriesHttp(s))).toEqual([
      502, 503, 504, 429,
    ]);
    expect(r.limit).toBe(3);
    expect(r.timeoutMs).toBe(250);
  });

  it('5xx covers 500-599; out-of-range statuses are never retried', () => {
    const r = new CompiledRetry(RetryPlan.parse({ httpStatuses: [{ min: 500, max: 599 }] }));
    expect(r.retriesHttp(500)).toBe(true);
    expect(r.retriesHttp(599)).toBe(true);
    expect(r.retriesHttp(499)).toBe(false);
    expect(r.retriesHttp(600)).toBe(false);
    expect(r.retriesHttp(-1)).toBe(false);
    expect(r.retriesHttp(Number.NaN)).toBe(false);
    const wide = new CompiledRetry(RetryPlan.parse({ httpStatuses: [{ min: 0, max: 10_000 }] }));
    expect(wide.retriesHttp(99)).toBe(false);
    expect(wide.retriesHttp(100)).toBe(true);
    expect(wide.retriesHttp(700)).toBe(false);
  });

  it('retries the listed gRPC codes only', () => {
    // cancelled, deadline-exceeded, resource-exhausted, internal, unavailable
    const r = new CompiledRetry(RetryPlan.parse({ grpcCodes: [1, 4, 8, 13, 14] }));
    const retried = [];
    for (let c = -1; c <= 17; c++) if (r.retriesGrpc(c)) retried.push(c);
    expect(retried).toEqual([1, 4, 8, 13, 14]);
  });

  it('with no statuses retries no response (defaults: one retry, no attempt timeout)', () => {
    const r = new CompiledRetry(RetryPlan.parse({}));
    expect(r.retriesHttp(503)).toBe(false);
    expect(r.retriesGrpc(14)).toBe(false);
    expect(r.limit).toBe(1);
    expect(r.timeoutMs).toBeUndefined();
  });
});
