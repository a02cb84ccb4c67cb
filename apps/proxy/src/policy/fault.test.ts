import { FaultPlan } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CompiledFault } from './fault.ts';

const source = { kind: 'HTTPFault', namespace: 'demo', name: 'chaos' };
const fault = (p: Omit<z.input<typeof FaultPlan>, 'source'>) =>
  new CompiledFault(FaultPlan.parse({ source, ...p }));

/** Evenly spread draws in [0, 1): shares come out exact. */
function share(n: number, f: (r: number) => boolean): number {
  let hit = 0;
  for (let i = 0; i < n; i++) if (f((i + 0.5) / n)) hit++;
  return (hit / n) * 100;
}

describe('CompiledFault', () => {
  it('aborts the configured share with the HTTP status', () => {
    const f = fault({ abort: { percent: 25, httpStatus: 503 } });
    expect(share(10_000, (r) => f.abortHttp(r) === 503)).toBe(25);
    expect(share(10_000, (r) => f.abortHttp(r) !== 0 && f.abortHttp(r) !== 503)).toBe(0);
    expect(f.delayMs(0)).toBe(0);
    expect(f.source).toEqual(source);
  });

  it('takes fractional percentages', () => {
    const f = fault({ abort: { percent: 0.5, httpStatus: 500 } });
    expect(share(100_000, (r) => f.abortHttp(r) !== 0)).toBeCloseTo(0.5, 5);
  });

  it('0 never aborts and 100 always does', () => {
    const none = fault({ abort: { percent: 0, httpStatus: 500 } });
    const all = fault({ abort: { percent: 100, httpStatus: 500 } });
    expect(share(1000, (r) => none.abortHttp(r) !== 0)).toBe(0);
    expect(share(1000, (r) => all.abortHttp(r) !== 0)).toBe(100);
    expect(all.abortHttp(0.999999)).toBe(500);
  });

  it('delays the configured share by the fixed time', () => {
    const f = fault({ delay: { percent: 40, ms: 150 } });
    expect(share(10_000, (r) => f.delayMs(r) === 150)).toBe(40);
    expect(share(10_000, (r) => f.delayMs(r) === 0)).toBe(60);
    expect(f.abortHttp(0)).toBe(0);
    expect(f.abortGrpc(0)).toBe(-1);
  });

  it('answers gRPC callers with the gRPC status, or the mapping of the HTTP one', () => {
    expect(fault({ abort: { percent: 100, grpcStatus: 14 } }).abortGrpc(0.5)).toBe(14);
    expect(fault({ abort: { percent: 100, httpStatus: 503, grpcStatus: 8 } }).abortGrpc(0.5)).toBe(8);
    expect(fault({ abort: { percent: 100, httpStatus: 503 } }).abortGrpc(0.5)).toBe(14);
    expect(fault({ abort: { percent: 100, httpStatus: 404 } }).abortGrpc(0.5)).toBe(12);
    expect(fault({ abort: { percent: 100, httpStatus: 500 } }).abortGrpc(0.5)).toBe(2);
    expect(fault({ abort: { percent: 50, grpcStatus: 14 } }).abortGrpc(0.6)).toBe(-1);
  });

  it('answers HTTP callers of a gRPC-only abort with the matching HTTP status', () => {
    expect(fault({ abort: { percent: 100, grpcStatus: 14 } }).abortHttp(0.1)).toBe(503);
    expect(fault({ abort: { percent: 100, grpcStatus: 4 } }).abortHttp(0.1)).toBe(504);
    expect(fault({ abort: { percent: 100 } }).abortHttp(0.1)).toBe(500);
  });

  it('abort and delay draw independently', () => {
    const f = fault({ abort: { percent: 50, httpStatus: 500 }, delay: { percent: 50, ms: 10 } });
    let both = 0;
    for (let i = 0; i < 100; i++) {
      for (let j = 0; j < 100; j++) if (f.abortHttp((i + 0.5) / 100) && f.delayMs((j + 0.5) / 100)) both++;
    }
    expect(both).toBe(2500);
  });
});
