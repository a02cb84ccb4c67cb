import { describe, expect, it } from 'vitest';
import { histogramQuantile, quantileOrNull } from './quantile.ts';

// 20 observations ≤ 10, 30 in (10, 20], 40 in (20, 50], 10 above 50.
const H = [
  { le: 10, count: 20 },
  { le: 20, count: 50 },
  { le: 50, count: 90 },
  { le: Number.POSITIVE_INFINITY, count: 100 },
];

describe('histogramQuantile (Prometheus semantics)', () => {
  it('interpolates linearly within the bucket the rank falls in (hand-computed)', () => {
    // rank 10 in [0,10] holding 20: 0 + 10 × 10/20
    expect(histogramQuantile(0.1, H)).toBeCloseTo(5, 10);
    // rank 25: 5 into (10,20] holding 30: 10 + 10 × 5/30
    expect(histogramQuantile(0.25, H)).toBeCloseTo(11.6667, 3);
    // rank 50 ends exactly at le=20
    expect(histogramQuantile(0.5, H)).toBeCloseTo(20, 10);
    // rank 70: 20 into (20,50] holding 40: 20 + 30 × 20/40
    expect(histogramQuantile(0.7, H)).toBeCloseTo(35, 10);
  });

  it('returns the largest finite bound when the rank is in +Inf', () => {
    expect(histogramQuantile(0.95, H)).toBe(50);
    expect(histogramQuantile(1, H)).toBe(50);
  });

  it('does not depend on the order buckets are given in, and merges equal bounds', () => {
    const shuffled = [H[2], H[0], H[3], H[1]].filter((b) => b !== undefined);
    expect(histogramQuantile(0.7, shuffled)).toBeCloseTo(35, 10);
    const split = [...H, { le: 10, count: 0 }];
    expect(histogramQuantile(0.1, split)).toBeCloseTo(5, 10);
  });

  it('makes non-monotonic counts monotonic', () => {
    const skewed = [
      { le: 10, count: 20 },
      { le: 20, count: 18 },
      { le: Number.POSITIVE_INFINITY, count: 40 },
    ];
    // le=20 raised to 20; rank 30 → +Inf bucket → 20
    expect(histogramQuantile(0.75, skewed)).toBe(20);
  });

  it('gives NaN without +Inf, with one bucket, or with no observation; infinities outside [0,1]', () => {
    expect(histogramQuantile(0.5, H.slice(0, 3))).toBeNaN();
    expect(histogramQuantile(0.5, [{ le: Number.POSITIVE_INFINITY, count: 3 }])).toBeNaN();
    expect(
      histogramQuantile(
        0.5,
        H.map((b) => ({ le: b.le, count: 0 })),
      ),
    ).toBeNaN();
    expect(histogramQuantile(-0.1, H)).toBe(Number.NEGATIVE_INFINITY);
    expect(histogramQuantile(1.1, H)).toBe(Number.POSITIVE_INFINITY);
  });

  it('quantileOrNull maps what cannot be computed to null', () => {
    expect(quantileOrNull(0.5, [])).toBeNull();
    expect(quantileOrNull(0.5, H)).toBeCloseTo(20, 10);
  });
});
