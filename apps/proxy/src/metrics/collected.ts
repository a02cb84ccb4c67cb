/**
 * Scrape-time rendering: a prom-client metric whose values are read from our plain
 * accumulators when `/metrics` is requested, and the histogram accumulator those
 * accumulators share (non-cumulative bucket counts, made cumulative only when rendered).
 */

export type Labels = Record<string, string>;

export interface MetricValue {
  value: number;
  labels: Labels;
  metricName?: string;
}

/** A prom-client metric whose values come from our accumulators at scrape time. */
export class CollectedMetric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    private readonly collect: () => MetricValue[],
  ) {}
  get(): { name: string; help: string; type: string; values: MetricValue[]; aggregator: string } {
    return { name: this.name, help: this.help, type: this.type, values: this.collect(), aggregator: 'sum' };
  }
}

/** Counts of observations per bucket (upper bounds `bounds`, then +Inf), their sum and count. */
export class Histogram {
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  readonly buckets: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.buckets = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    const bounds = this.bounds;
    const n = bounds.length;
    let b = 0;
    while (b < n && v > (bounds[b] as number)) b++;
    (this.buckets as Float64Array)[b] = (this.buckets[b] as number) + 1;
    this.sum += v;
    this.count++;
  }

  /** Appends `name_bucket` (cumulative, with `le`), `name_sum` and `name_count` values. */
  render(name: string, labels: Labels, out: MetricValue[]): void {
    const n = this.bounds.length;
    let cum = 0;
    for (let b = 0; b <= n; b++) {
      cum += this.buckets[b] as number;
      const le = b < n ? String(this.bounds[b]) : '+Inf';
      out.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cum });
    }
    out.push({ metricName: `${name}_sum`, labels, value: this.sum });
    out.push({ metricName: `${name}_count`, labels, value: this.count });
  }
}
