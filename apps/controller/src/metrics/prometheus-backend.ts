/**
 * The metrics backend over a real Prometheus (`WEFT_PROMETHEUS_URL`): the same questions
 * as the embedded store, answered with the PromQL of promql.ts.
 */
import type { GoldenPoint, RouteMetricsRow } from '@weft/shared';
import type { GoldenQuery, GoldenRow, MetricsBackend, RouteQuery, SeriesQuery } from './backend.ts';
import { goldenFrom } from './golden.ts';
import type { PrometheusClient } from './prometheus-client.ts';
import { prometheusRoutes } from './prometheus-routes.ts';
import {
  latencyQuantileQuery,
  latencyRateQuantileQuery,
  QUANTILES,
  responseRateQuery,
  responsesQuery,
} from './promql.ts';
import type { KeptLabel } from './series-labels.ts';

function finiteOrNull(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

interface Acc {
  labels: Partial<Record<KeptLabel, string>>;
  success: number;
  failure: number;
  q: Array<number | null>;
}

export class PrometheusBackend implements MetricsBackend {
  readonly kind = 'prometheus' as const;

  /**
   * @param scrapeIntervalSeconds Prometheus' scrape interval: a range query's rate looks
   *   back at least four of them, so every point has samples to work with.
   */
  constructor(
    private readonly client: PrometheusClient,
    private readonly scrapeIntervalSeconds: number,
  ) {}

  async golden(q: GoldenQuery): Promise<GoldenRow[]> {
    const at = q.atMs ?? Date.now();
    const seconds = Math.round(q.seconds);
    const wantQuantiles = q.quantiles !== false;
    const [counts, ...quantiles] = await Promise.all([
      this.client.query(responsesQuery(q.direction, q.match, q.by, seconds), at),
      ...(wantQuantiles
        ? QUANTILES.map((x) =>
            this.client.query(latencyQuantileQuery(x, q.direction, q.match, q.by, seconds), at),
          )
        : []),
    ]);
    const key = (m: Record<string, string>) => q.by.map((b) => m[b] ?? '').join('\u001f');
    const rows = new Map<string, Acc>();
    for (const s of counts ?? []) {
      const k = key(s.metric);
      let acc = rows.get(k);
      if (acc === undefined) {
        const labels: Partial<Record<KeptLabel, string>> = {};
        for (const b of q.by) labels[b] = s.metric[b] ?? '';
        acc = { labels, success: 0, failure: 0, q: [null, null, null] };
        rows.set(k, acc);
      }
      if (!Number.isFinite(s.value)) continue;
      if (s.metric.classification === 'success') acc.success += s.value;
      else if (s.metric.classification === 'failure') acc.failure += s.value;
    }
    quantiles.forEach((samples, i) => {
      for (const s of samples) {
        const acc = rows.get(key(s.metric));
        if (acc !== undefined) acc.q[i] = finiteOrNull(s.value);
      }
    });
    const out: GoldenRow[] = [];
    for (const acc of rows.values()) {
      if (acc.success + acc.failure <= 0) continue;
      const [p50, p95, p99] = acc.q;
      out.push({
        labels: acc.labels,
        metrics: goldenFrom(acc.success, acc.failure, [], q.seconds, {
          p50: p50 ?? null,
          p95: p95 ?? null,
          p99: p99 ?? null,
        }),
      });
    }
    return out;
  }

  routes(q: RouteQuery): Promise<RouteMetricsRow[]> {
    return prometheusRoutes(this.client, q, this.scrapeIntervalSeconds);
  }

  async series(q: SeriesQuery): Promise<GoldenPoint[]> {
    const at = q.atMs ?? Date.now();
    const step = q.stepSeconds;
    const n = Math.max(1, Math.floor(q.seconds / step));
    const start = at - (n - 1) * step * 1000;
    const range = Math.ceil(Math.max(step, 4 * this.scrapeIntervalSeconds)); // PromQL durations are whole
    const [rates, ...quantiles] = await Promise.all([
      this.client.queryRange(responseRateQuery(q.direction, q.match, range), start, at, step),
      ...QUANTILES.map((x) =>
        this.client.queryRange(latencyRateQuantileQuery(x, q.direction, q.match, range), start, at, step),
      ),
    ]);
    const slot = (t: number) => Math.round((t - start) / (step * 1000));
    const success = new Float64Array(n);
    const failure = new Float64Array(n);
    for (const s of rates ?? []) {
      const target = s.metric.classification === 'success' ? success : failure;
      for (const { t, v } of s.values) {
        const i = slot(t);
        if (i >= 0 && i < n && Number.isFinite(v)) target[i] = (target[i] ?? 0) + v * step;
      }
    }
    const qs = quantiles.map((series) => {
      const arr: Array<number | null> = new Array(n).fill(null);
      for (const s of series) for (const { t, v } of s.values) arr[slot(t)] = finiteOrNull(v);
      return arr;
    });
    const points: GoldenPoint[] = [];
    for (let i = 0; i < n; i++) {
      const m = goldenFrom(success[i] ?? 0, failure[i] ?? 0, [], step, {
        p50: qs[0]?.[i] ?? null,
        p95: qs[1]?.[i] ?? null,
        p99: qs[2]?.[i] ?? null,
      });
      points.push({ ...m, timestamp: start + i * step * 1000 });
    }
    return points;
  }
}
