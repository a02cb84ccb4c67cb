/**
 * Inputs and outputs of the controller's `metrics.*` and `topology.*` procedures (see
 * docs/interfaces.md), and the scrape status of each proxy the controller reads.
 */
import { z } from 'zod';
import { GoldenMetrics, MetricsScope, TimeWindow } from './metrics.ts';
import { NamespaceName, ObjectName } from './names.ts';

/** `metrics.namespaces` input. */
export const MetricsNamespacesInput = z.object({ window: TimeWindow });
export type MetricsNamespacesInput = z.infer<typeof MetricsNamespacesInput>;

/** `metrics.namespaces` output row. */
export const NamespaceMetrics = z.object({ namespace: NamespaceName, metrics: GoldenMetrics });
export type NamespaceMetrics = z.infer<typeof NamespaceMetrics>;

/** `metrics.workloads` input: every namespace when `namespace` is absent. */
export const MetricsWorkloadsInput = z.object({ namespace: NamespaceName.optional(), window: TimeWindow });
export type MetricsWorkloadsInput = z.infer<typeof MetricsWorkloadsInput>;

/** `metrics.workloads` output row. */
export const WorkloadMetrics = z.object({
  namespace: NamespaceName,
  name: ObjectName,
  metrics: GoldenMetrics,
});
export type WorkloadMetrics = z.infer<typeof WorkloadMetrics>;

/** `metrics.golden` input. */
export const MetricsGoldenInput = z.object({ scope: MetricsScope, window: TimeWindow });
export type MetricsGoldenInput = z.infer<typeof MetricsGoldenInput>;

/** Longest and shortest chart step the API accepts, in seconds. */
export const MIN_STEP_SECONDS = 1;
export const MAX_STEP_SECONDS = 3600;

/**
 * `metrics.series` input. Each point at time t covers (t - step, t]; without
 * `stepSeconds` the step is chosen from the window (about 60 points at most).
 */
export const MetricsSeriesInput = z.object({
  scope: MetricsScope,
  window: TimeWindow,
  stepSeconds: z.number().int().min(MIN_STEP_SECONDS).max(MAX_STEP_SECONDS).optional(),
});
export type MetricsSeriesInput = z.infer<typeof MetricsSeriesInput>;

/** `topology.graph` input: the whole mesh, or what touches one namespace. */
export const TopologyGraphInput = z.object({ window: TimeWindow, namespace: NamespaceName.optional() });
export type TopologyGraphInput = z.infer<typeof TopologyGraphInput>;

/**
 * The source name of an edge whose caller neither side could name: inbound traffic
 * without a client identity or `src_*` labels that no caller's outbound side accounts
 * for. The edge carries the destination's namespace (so namespace filters keep it), but
 * the caller belongs to no namespace: the dashboard draws it outside every namespace.
 * Its node is not meshed.
 */
export const UNKNOWN_SOURCE = 'unknown';

/** `topology.edges` input: edges in and out of one workload. */
export const TopologyEdgesInput = z.object({
  namespace: NamespaceName,
  name: ObjectName,
  window: TimeWindow,
});
export type TopologyEdgesInput = z.infer<typeof TopologyEdgesInput>;

/** The controller's view of one proxy it scrapes. */
export const ScrapeTarget = z.object({
  namespace: NamespaceName,
  pod: z.string().min(1),
  workload: ObjectName,
  /** The proxy's admin address, `host:port`. */
  address: z.string(),
  /** False when the last scrape failed. */
  healthy: z.boolean(),
  /** ISO time of the last successful scrape, null before the first. */
  lastSuccessAt: z.string().nullable(),
  /** Why the last scrape failed, null when it succeeded. */
  lastError: z.string().nullable(),
  /** How long the last scrape took, milliseconds. */
  lastDurationMs: z.number().nonnegative().nullable(),
});
export type ScrapeTarget = z.infer<typeof ScrapeTarget>;

/** `metrics.targets` output: which backend answers and the scrape status of every proxy. */
export const MetricsStatus = z.object({
  backend: z.enum(['embedded', 'prometheus']),
  scrapeIntervalMs: z.number().int().positive(),
  targets: z.array(ScrapeTarget),
  /** Series held by the embedded store (0 with Prometheus). */
  series: z.number().int().nonnegative(),
  /** Bytes the embedded store's sample buffers take. */
  storeBytes: z.number().int().nonnegative(),
  /** Samples the embedded store ignored because its memory bound was reached. */
  droppedSamples: z.number().int().nonnegative(),
});
export type MetricsStatus = z.infer<typeof MetricsStatus>;

/** `metrics.routes` input: the routes whose parent is one Service. */
export const MetricsRoutesInput = z.object({
  namespace: NamespaceName,
  /** The Service the routes attach to (their parent). */
  service: ObjectName,
  window: TimeWindow,
});
export type MetricsRoutesInput = z.infer<typeof MetricsRoutesInput>;

/**
 * Which route a row is about, as the proxies label it: the parent Service port, the
 * route document (`HTTPRoute`, `GRPCRoute`, or `default` for a Service with none) and
 * the rule's index in it (null when the proxy did not say).
 */
export const RouteKey = z.object({
  parentPort: z.number().int().min(0).max(65535),
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
  rule: z.number().int().nonnegative().nullable(),
});
export type RouteKey = z.infer<typeof RouteKey>;

/** One backend of one route: what the route sent it, seen from the callers. */
export const RouteBackendMetrics = z.object({
  backend: z.object({ namespace: z.string(), name: z.string(), port: z.number().int().min(0).max(65535) }),
  /** Latency here is the backend's response time (request sent → response complete). */
  metrics: GoldenMetrics,
});
export type RouteBackendMetrics = z.infer<typeof RouteBackendMetrics>;

/** One route's golden metrics, summed over every caller's proxy, and its backends'. */
export const RouteMetricsRow = z.object({
  route: RouteKey,
  /** Latency here is the whole request's, retries included. */
  metrics: GoldenMetrics,
  backends: z.array(RouteBackendMetrics),
  /** Requests per second in equal steps across the window, oldest first (a small trend). */
  rpsTrend: z.array(z.number().nonnegative()),
});
export type RouteMetricsRow = z.infer<typeof RouteMetricsRow>;

/** `metrics.routes` output: every route of the Service that saw a request in the window. */
export const MetricsRoutes = z.object({
  window: TimeWindow,
  routes: z.array(RouteMetricsRow),
});
export type MetricsRoutes = z.infer<typeof MetricsRoutes>;
