/**
 * The golden-metrics questions the API asks, answered by whichever backend is configured.
 * As in Linkerd, a namespace's, workload's or pod's metrics are what its own proxies
 * counted on the inbound side (the server's view); edges use the outbound side (see
 * topology.ts).
 */
import {
  type GoldenMetrics,
  type GoldenPoint,
  type MetricsRoutes,
  type MetricsScope,
  type NamespaceMetrics,
  type TimeWindow,
  WINDOW_SECONDS,
  type WorkloadMetrics,
} from '@weft/shared';
import type { Platform } from '../core/platform.ts';
import type { Matcher, MetricsBackend } from './backend.ts';
import { emptyGolden } from './golden.ts';

/** The part of the platform metrics read: what runs where. */
export type MetricsPlatform = Pick<Platform, 'listNamespaces' | 'listWorkloads' | 'listPods'>;

/** Most points one series answer holds; a smaller step is widened to fit. */
export const MAX_POINTS = 720;

/** Points of each route's rps trend (`metrics.routes`). */
export const ROUTE_TREND_POINTS = 12;

/** Default chart step per window, seconds. */
const DEFAULT_STEP: Record<TimeWindow, number> = { '1m': 5, '5m': 10, '15m': 30, '1h': 60 };

/** Matchers selecting a scope's own proxies. */
export function scopeMatchers(scope: MetricsScope): Matcher[] {
  const ns: Matcher = { label: 'namespace', op: '=', value: scope.namespace };
  switch (scope.kind) {
    case 'namespace':
      return [ns];
    case 'workload':
      return [ns, { label: 'deployment', op: '=', value: scope.name }];
    case 'pod':
      return [ns, { label: 'pod', op: '=', value: scope.name }];
  }
}

export class MetricsQueries {
  constructor(
    readonly backend: MetricsBackend,
    private readonly platform: MetricsPlatform,
    /** The scrape interval: a chart step is never shorter. */
    private readonly scrapeIntervalSeconds: number,
  ) {}

  /** Every namespace the platform lists or metrics mention, with its inbound golden metrics. */
  async namespaces(window: TimeWindow, atMs?: number): Promise<NamespaceMetrics[]> {
    const rows = await this.backend.golden({
      direction: 'inbound',
      match: [],
      by: ['namespace'],
      seconds: WINDOW_SECONDS[window],
      atMs,
    });
    const out = new Map<string, GoldenMetrics>();
    for (const ns of this.platform.listNamespaces()) out.set(ns, emptyGolden());
    for (const r of rows) if (r.labels.namespace) out.set(r.labels.namespace, r.metrics);
    return [...out]
      .map(([namespace, metrics]) => ({ namespace, metrics }))
      .sort((a, b) => a.namespace.localeCompare(b.namespace));
  }

  /** Every workload (of one namespace, or all) with its inbound golden metrics. */
  async workloads(
    namespace: string | undefined,
    window: TimeWindow,
    atMs?: number,
  ): Promise<WorkloadMetrics[]> {
    const rows = await this.backend.golden({
      direction: 'inbound',
      match: namespace === undefined ? [] : [{ label: 'namespace', op: '=', value: namespace }],
      by: ['namespace', 'deployment'],
      seconds: WINDOW_SECONDS[window],
      atMs,
    });
    const out = new Map<string, WorkloadMetrics>();
    for (const w of this.platform.listWorkloads(namespace)) {
      out.set(`${w.namespace}/${w.name}`, { namespace: w.namespace, name: w.name, metrics: emptyGolden() });
    }
    for (const r of rows) {
      const ns = r.labels.namespace;
      const name = r.labels.deployment;
      if (!ns || !name) continue;
      out.set(`${ns}/${name}`, { namespace: ns, name, metrics: r.metrics });
    }
    return [...out.values()].sort((a, b) =>
      a.namespace === b.namespace ? a.name.localeCompare(b.name) : a.namespace.localeCompare(b.namespace),
    );
  }

  /** Golden metrics of one namespace, workload or pod (zero traffic when nothing was counted). */
  async golden(scope: MetricsScope, window: TimeWindow, atMs?: number): Promise<GoldenMetrics> {
    const rows = await this.backend.golden({
      direction: 'inbound',
      match: scopeMatchers(scope),
      by: [],
      seconds: WINDOW_SECONDS[window],
      atMs,
    });
    return rows[0]?.metrics ?? emptyGolden();
  }

  /** The step a series uses: the asked one (or the window's default), at least one scrape, at most MAX_POINTS. */
  stepFor(window: TimeWindow, stepSeconds?: number): number {
    const seconds = WINDOW_SECONDS[window];
    const asked = stepSeconds ?? DEFAULT_STEP[window];
    return Math.max(asked, Math.ceil(this.scrapeIntervalSeconds), Math.ceil(seconds / MAX_POINTS));
  }

  /** Golden metrics of one scope as a series over the window, oldest point first. */
  async series(
    scope: MetricsScope,
    window: TimeWindow,
    stepSeconds?: number,
    atMs?: number,
  ): Promise<GoldenPoint[]> {
    return this.backend.series({
      direction: 'inbound',
      match: scopeMatchers(scope),
      seconds: WINDOW_SECONDS[window],
      stepSeconds: this.stepFor(window, stepSeconds),
      atMs,
    });
  }

  /**
   * Per-route golden metrics of the routes whose parent is Service `namespace/service`,
   * summed over every caller's outbound proxy: the routes that saw a request in the window,
   * each with its backends and an rps trend of ROUTE_TREND_POINTS steps.
   */
  async routes(
    namespace: string,
    service: string,
    window: TimeWindow,
    atMs?: number,
  ): Promise<MetricsRoutes> {
    const routes = await this.backend.routes({
      parent: { namespace, name: service },
      seconds: WINDOW_SECONDS[window],
      atMs,
      trendPoints: ROUTE_TREND_POINTS,
    });
    return { window, routes };
  }
}
