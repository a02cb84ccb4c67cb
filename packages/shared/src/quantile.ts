/**
 * Histogram quantiles as Prometheus' `histogram_quantile` computes them over classic
 * (cumulative `le`) buckets, so that the embedded metrics store and a real Prometheus
 * give the same latency percentiles from the same bucket counts.
 *
 * Semantics (Prometheus `promql/quantile.go`, `bucketQuantile`):
 * - buckets are sorted by upper bound; the last one must be `+Inf`, else NaN;
 * - counts are made monotonic (a smaller count after a larger one is raised to it);
 * - rank = q × total (the `+Inf` count); no observation gives NaN;
 * - the quantile falls in the first bucket whose cumulative count reaches the rank and is
 *   interpolated linearly inside it, the lower bound being the previous bucket's upper
 *   bound (0 for the first bucket);
 * - a rank in the `+Inf` bucket returns the largest finite upper bound;
 * - q < 0 gives -Infinity, q > 1 gives +Infinity.
 */

/** One cumulative bucket: how many observations were at most `le`. */
export interface CumulativeBucket {
  /** Upper bound (inclusive); `Infinity` for the `+Inf` bucket. */
  le: number;
  /** Observations ≤ `le`. */
  count: number;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of a classic histogram, interpolated within its bucket as
 * Prometheus does. Returns NaN when it cannot be computed (no `+Inf` bucket, fewer than
 * two buckets, or no observation).
 */
export function histogramQuantile(q: number, input: readonly CumulativeBucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const buckets = coalesce(input);
  if (buckets.length < 2) return Number.NaN;
  const last = buckets[buckets.length - 1];
  if (last === undefined || last.le !== Number.POSITIVE_INFINITY) return Number.NaN;
  ensureMonotonic(buckets);

  const observations = last.count;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  let b = buckets.findIndex((x) => x.count >= rank);
  if (b < 0) b = buckets.length - 1;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]?.le ?? Number.NaN;
  const bucket = buckets[b];
  if (bucket === undefined) return Number.NaN;
  if (b === 0 && bucket.le <= 0) return bucket.le;

  let start = 0;
  let count = bucket.count;
  const prev = b > 0 ? buckets[b - 1] : undefined;
  if (prev !== undefined) {
    start = prev.le;
    count -= prev.count;
    rank -= prev.count;
  }
  return start + (bucket.le - start) * (rank / count);
}

/** Sorts by bound and merges buckets with the same bound (summing their counts). */
function coalesce(input: readonly CumulativeBucket[]): CumulativeBucket[] {
  const sorted = input.map((b) => ({ le: b.le, count: b.count })).sort((a, b) => a.le - b.le);
  const out: CumulativeBucket[] = [];
  for (const b of sorted) {
    const top = out[out.length - 1];
    if (top !== undefined && top.le === b.le) top.count += b.count;
    else out.push(b);
  }
  return out;
}

/** Raises any count smaller than its predecessor's (scrape skew, float error). */
function ensureMonotonic(buckets: CumulativeBucket[]): void {
  let max = Number.NEGATIVE_INFINITY;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
}

/** `histogramQuantile` with NaN and infinities mapped to null: what the API reports. */
export function quantileOrNull(q: number, buckets: readonly CumulativeBucket[]): number | null {
  const v = histogramQuantile(q, buckets);
  return Number.isFinite(v) ? v : null;
}
