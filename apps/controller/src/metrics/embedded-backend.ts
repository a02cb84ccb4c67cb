/**
 * The metrics backend over the embedded store: window sums of the per-tick increments
 * the scraper ingested, turned into golden metrics with the shared formulas; per-route
 * questions go to the route store (see embedded-routes.ts).
 */
import type { GoldenPoint, RouteMetricsRow } from '@weft/shared';
import type { GoldenQuery, GoldenRow, MetricsBackend, RouteQuery, SeriesQuery } from './backend.ts';
import { matches } from './backend.ts';
import { embeddedRoutes } from './embedded-routes.ts';
import { emptyGolden, goldenFromSums } from './golden.ts';
import type { RouteGroupLabels } from './route-labels.ts';
import type { GroupLabels, KeptLabel } from './series-labels.ts';
import { WIDTH } from './series-labels.ts';
import type { MetricsStore } from './store.ts';

export class EmbeddedBackend implements MetricsBackend {
  readonly kind = 'embedded' as const;

  constructor(
    private readonly store: MetricsStore,
    /** The per-route families' store; without one, no route has traffic. */
    private readonly routeStore?: MetricsStore<RouteGroupLabels>,
  ) {}

  async routes(q: RouteQuery): Promise<RouteMetricsRow[]> {
    return this.routeStore === undefined ? [] : embeddedRoutes(this.routeStore, q);
  }

  /** Time of the latest scrape round, or undefined before the first. */
  latestMs(): number | undefined {
    const t = this.store.currentTick;
    return t < 0 ? undefined : this.store.timeOf(t);
  }

  async golden(q: GoldenQuery): Promise<GoldenRow[]> {
    const at = q.atMs ?? this.latestMs();
    if (at === undefined) return [];
    const range = this.store.ticksBetween(at - q.seconds * 1000, at);
    const withDirection = [...q.match, { label: 'direction' as const, op: '=' as const, value: q.direction }];
    const by = (l: GroupLabels) => {
      let k = '';
      for (const b of q.by) k += `${l[b]}\u001f`;
      return k;
    };
    const sums = this.store.sumBy(range, (l) => matches(l, withDirection), by);
    const rows: GoldenRow[] = [];
    for (const { labels, sums: s } of sums.values()) {
      const metrics = goldenFromSums(s, q.seconds);
      if (metrics.requests === 0) continue;
      if (q.quantiles === false) {
        metrics.latencyP50Ms = null;
        metrics.latencyP95Ms = null;
        metrics.latencyP99Ms = null;
      }
      const picked: Partial<Record<KeptLabel, string>> = {};
      for (const b of q.by) picked[b] = labels[b];
      rows.push({ labels: picked, metrics });
    }
    return rows;
  }

  async series(q: SeriesQuery): Promise<GoldenPoint[]> {
    const at = q.atMs ?? this.latestMs() ?? Date.now();
    const stepMs = q.stepSeconds * 1000;
    const n = Math.max(1, Math.floor(q.seconds / q.stepSeconds));
    const start = at - n * stepMs;
    const withDirection = [...q.match, { label: 'direction' as const, op: '=' as const, value: q.direction }];
    const range = this.store.ticksBetween(start, at);
    const perTick = this.store.perTick(range, (l) => matches(l, withDirection));
    const acc = new Float64Array(n * WIDTH);
    for (let t = range.from; t <= range.to; t++) {
      // Point i ends at start + (i+1)·step; a tick goes to the nearest end, so scrape jitter
      // around a boundary does not leave one point empty and double the next.
      const i = Math.min(n - 1, Math.max(0, Math.round((this.store.timeOf(t) - start) / stepMs) - 1));
      const src = (t - range.from) * WIDTH;
      for (let c = 0; c < WIDTH; c++)
        acc[i * WIDTH + c] = (acc[i * WIDTH + c] ?? 0) + (perTick[src + c] ?? 0);
    }
    const points: GoldenPoint[] = [];
    for (let i = 0; i < n; i++) {
      const m = range.from <= range.to ? goldenFromSums(acc, q.stepSeconds, i * WIDTH) : emptyGolden();
      if (m.requests === 0) m.rps = 0;
      points.push({ ...m, timestamp: start + (i + 1) * stepMs });
    }
    return points;
  }
}
