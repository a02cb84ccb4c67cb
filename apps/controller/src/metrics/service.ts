/**
 * The metrics service the API uses: scrapes every proxy into the embedded store, and
 * answers golden-metrics and topology questions from the store or, when a Prometheus URL
 * is configured, from that Prometheus. Built once in main.ts.
 */
import type { MetricsStatus } from '@weft/shared';
import type { Platform } from '../core/platform.ts';
import type { MetricsBackend } from './backend.ts';
import { EmbeddedBackend } from './embedded-backend.ts';
import { watchFileSd, writePrometheusConfig } from './file-sd.ts';
import { PrometheusBackend } from './prometheus-backend.ts';
import { PrometheusClient } from './prometheus-client.ts';
import { MetricsQueries } from './queries.ts';
import { ROUTE_SCHEMA, ROUTE_WIDTH, type RouteGroupLabels } from './route-labels.ts';
import { Scraper, type ScrapeSpec } from './scraper.ts';
import { MetricsStore, maxGroupsFor } from './store.ts';
import { TopologyQueries } from './topology.ts';

export interface MetricsConfig {
  /** How often every proxy is scraped (`WEFT_SCRAPE_INTERVAL_MS`, default 5000). */
  scrapeIntervalMs: number;
  /** How long one scrape may take (`WEFT_SCRAPE_TIMEOUT_MS`). */
  scrapeTimeoutMs: number;
  /** How far back the embedded store keeps data (`WEFT_METRICS_RETENTION_MS`, default 1 h). */
  retentionMs: number;
  /** Most bytes the store's sample rings take (`WEFT_METRICS_MAX_MB`, default 64 MB): the memory bound. */
  maxRingBytes: number;
  /** Most bytes the per-route store's rings take (`WEFT_METRICS_ROUTE_MAX_MB`, default 16 MB). */
  maxRouteRingBytes?: number;
  /** A Prometheus to answer from instead of the store (`WEFT_PROMETHEUS_URL`). */
  prometheusUrl?: string;
  /** Where to keep a Prometheus file-SD target list (`WEFT_PROMETHEUS_FILE_SD`). */
  fileSdPath?: string;
}

/** The per-route store's bound when none is configured. */
export const DEFAULT_ROUTE_RING_BYTES = 16 * 1024 * 1024;

export const DEFAULT_METRICS_CONFIG: MetricsConfig = {
  scrapeIntervalMs: 5000,
  scrapeTimeoutMs: 3000,
  retentionMs: 3_600_000,
  maxRingBytes: 64 * 1024 * 1024,
  maxRouteRingBytes: DEFAULT_ROUTE_RING_BYTES,
};

/** Every meshed pod's proxy, as a scrape target. */
export function scrapeTargets(platform: Pick<Platform, 'listPods'>): ScrapeSpec[] {
  const out: ScrapeSpec[] = [];
  for (const p of platform.listPods()) {
    if (p.proxyAdmin === null || p.phase !== 'Running') continue;
    out.push({
      key: `${p.namespace}/${p.name}`,
      namespace: p.namespace,
      workload: p.workload,
      pod: p.name,
      address: p.proxyAdmin,
      startedAtMs: Date.parse(p.startedAt),
    });
  }
  return out;
}

export class MetricsService {
  readonly store: MetricsStore;
  /** The per-route families (`outbound_*_route_*`), fed by the same scrapes. */
  readonly routeStore: MetricsStore<RouteGroupLabels>;
  readonly scraper: Scraper;
  readonly backend: MetricsBackend;
  readonly queries: MetricsQueries;
  readonly topology: TopologyQueries;
  private stopFileSd: (() => Promise<void>) | undefined;

  constructor(
    private readonly platform: Pick<Platform, 'listNamespaces' | 'listWorkloads' | 'listPods' | 'watch'>,
    readonly config: MetricsConfig = DEFAULT_METRICS_CONFIG,
  ) {
    const capacity = Math.ceil(config.retentionMs / config.scrapeIntervalMs) + 1;
    this.store = new MetricsStore({ capacity, maxGroups: maxGroupsFor(config.maxRingBytes, capacity) });
    this.routeStore = new MetricsStore({
      capacity,
      maxGroups: maxGroupsFor(config.maxRouteRingBytes ?? DEFAULT_ROUTE_RING_BYTES, capacity, ROUTE_WIDTH),
      schema: ROUTE_SCHEMA,
    });
    this.scraper = new Scraper({
      store: this.store,
      more: [this.routeStore],
      intervalMs: config.scrapeIntervalMs,
      timeoutMs: config.scrapeTimeoutMs,
      targets: () => scrapeTargets(platform),
    });
    const intervalSeconds = config.scrapeIntervalMs / 1000;
    this.backend = config.prometheusUrl
      ? new PrometheusBackend(new PrometheusClient(config.prometheusUrl), intervalSeconds)
      : new EmbeddedBackend(this.store, this.routeStore);
    this.queries = new MetricsQueries(this.backend, platform, intervalSeconds);
    this.topology = new TopologyQueries(this.backend, platform);
  }

  /** Starts scraping (and keeping the file-SD list, when configured). */
  start(): void {
    if (this.config.fileSdPath && this.stopFileSd === undefined) {
      this.stopFileSd = watchFileSd(this.platform, this.config.fileSdPath);
      writePrometheusConfig(this.config.fileSdPath, this.config.scrapeIntervalMs / 1000);
    }
    this.scraper.start();
  }

  async stop(): Promise<void> {
    const stopFileSd = this.stopFileSd;
    this.stopFileSd = undefined;
    await Promise.all([stopFileSd?.(), this.scraper.stop()]);
  }

  /** Which backend answers, and every proxy's scrape status. */
  status(): MetricsStatus {
    return {
      backend: this.backend.kind,
      scrapeIntervalMs: this.config.scrapeIntervalMs,
      targets: this.scraper.status(),
      series: this.store.groupCount + this.routeStore.groupCount,
      storeBytes: this.store.ringBytes + this.routeStore.ringBytes,
      droppedSamples: this.store.droppedSamples + this.routeStore.droppedSamples,
    };
  }
}
