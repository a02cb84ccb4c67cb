/**
 * Golden metrics from counts, with Linkerd viz's formulas (`viz/metrics-api/stat_summary.go`):
 * success rate = success / (success + failure) responses of `response_total` by
 * `classification`; rps = responses / window seconds; p50/p95/p99 = `histogram_quantile`
 * over the `response_latency_ms_bucket` increases in the window. (Linkerd's CLI takes
 * `irate` for latency, the last two scrapes only; Weft uses the whole window's increase,
 * so a percentile describes the same requests as the success rate beside it.)
 */
import { type CumulativeBucket, type GoldenMetrics, quantileOrNull } from '@weft/shared';
import { BUCKET_BOUNDS, COL_BUCKET0, COL_FAILURE, COL_SUCCESS } from './series-labels.ts';

/** Golden metrics of `success` and `failure` responses and cumulative latency buckets over `seconds`. */
export function goldenFrom(
  success: number,
  failure: number,
  buckets: readonly CumulativeBucket[],
  seconds: number,
  quantiles?: { p50: number | null; p95: number | null; p99: number | null },
): GoldenMetrics {
  const requests = Math.max(0, success) + Math.max(0, failure);
  const q = quantiles ?? {
    p50: quantileOrNull(0.5, buckets),
    p95: quantileOrNull(0.95, buckets),
    p99: quantileOrNull(0.99, buckets),
  };
  return {
    successRate: requests > 0 ? Math.min(1, Math.max(0, success) / requests) : null,
    rps: seconds > 0 ? requests / seconds : 0,
    latencyP50Ms: q.p50,
    latencyP95Ms: q.p95,
    latencyP99Ms: q.p99,
    requests,
    failures: Math.max(0, failure),
  };
}

/** Golden metrics of one row of store sums (see series-labels.ts columns) over `seconds`. */
export function goldenFromSums(sums: Float64Array, seconds: number, offset = 0): GoldenMetrics {
  const buckets: CumulativeBucket[] = BUCKET_BOUNDS.map((le, i) => ({
    le,
    count: sums[offset + COL_BUCKET0 + i] ?? 0,
  }));
  return goldenFrom(sums[offset + COL_SUCCESS] ?? 0, sums[offset + COL_FAILURE] ?? 0, buckets, seconds);
}

/** Golden metrics of no traffic at all. */
export function emptyGolden(): GoldenMetrics {
  return goldenFrom(0, 0, [], 1);
}
