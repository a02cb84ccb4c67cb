/**
 * Metric names, label keys and latency buckets, defined once so that the proxy's
 * output, the controller's queries and the dashboard's labels cannot drift. The names
 * are Linkerd's, so existing Prometheus queries and Grafana dashboards keep working.
 */
import { z } from 'zod';
import { lazy } from './lazy.ts';
import { NamespaceName, ObjectName } from './names.ts';

/** Metric names exposed by every proxy on its admin `/metrics`. */
export const MetricName = {
  requestTotal: 'request_total',
  responseTotal: 'response_total',
  responseLatencyMs: 'response_latency_ms',
  tcpOpenTotal: 'tcp_open_total',
  tcpCloseTotal: 'tcp_close_total',
  tcpOpenConnections: 'tcp_open_connections',
  tcpReadBytesTotal: 'tcp_read_bytes_total',
  tcpWriteBytesTotal: 'tcp_write_bytes_total',
  tcpConnectionDurationMs: 'tcp_connection_duration_ms',
  processStartTimeSeconds: 'process_start_time_seconds',
  identityCertExpiration: 'identity_cert_expiration_timestamp_seconds',
} as const;

/**
 * HTTP/2 client connections a proxy closed for going past a flood limit, by `kind`
 * (`reset`, `ping`, `settings`).
 */
export const H2_FLOOD_CLOSED_METRIC = 'weft_h2_flood_closed_total';

/**
 * Per-route families, as linkerd2-proxy 2.16+ serves them (`outbound_{http,grpc}_route_*`),
 * labelled by `parent_*`, `route_*` and (backend families) `backend_*`.
 */
export const RouteMetricName = {
  requestDurationSeconds: 'route_request_duration_seconds',
  requestStatusesTotal: 'route_request_statuses_total',
  backendRequestsTotal: 'route_backend_requests_total',
  backendResponseDurationSeconds: 'route_backend_response_duration_seconds',
  backendResponseStatusesTotal: 'route_backend_response_statuses_total',
  retryRequestsTotal: 'route_retry_requests_total',
  retrySuccessesTotal: 'route_retry_successes_total',
  retryLimitExceededTotal: 'route_retry_limit_exceeded_total',
  retryOverflowTotal: 'route_retry_overflow_total',
} as const;

/** The full name of a per-route family: `outbound_http_route_...` or `outbound_grpc_route_...`. */
export function routeMetricName(protocol: 'http' | 'grpc', name: string): string {
  return `outbound_${protocol}_${name}`;
}

/** Label keys of the per-route families (linkerd2-proxy's), plus `route_rule`: the rule's index in its route. */
export const RouteLabelKey = {
  parentNamespace: 'parent_namespace',
  parentName: 'parent_name',
  parentPort: 'parent_port',
  routeKind: 'route_kind',
  routeNamespace: 'route_namespace',
  routeName: 'route_name',
  routeRule: 'route_rule',
  backendNamespace: 'backend_namespace',
  backendName: 'backend_name',
  backendPort: 'backend_port',
  httpStatus: 'http_status',
  grpcStatus: 'grpc_status',
  error: 'error',
} as const;

/** Route request-duration buckets in seconds (linkerd2-proxy's `REQUEST_BUCKETS`). */
export const ROUTE_REQUEST_BUCKETS_S: readonly number[] = [0.05, 0.5, 1, 10];
/** Route-backend response-duration buckets in seconds (linkerd2-proxy's `RESPONSE_BUCKETS`). */
export const ROUTE_RESPONSE_BUCKETS_S: readonly number[] = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 10];

/** Label keys, as Linkerd names them. */
export const LabelKey = {
  direction: 'direction',
  namespace: 'namespace',
  deployment: 'deployment',
  pod: 'pod',
  dstNamespace: 'dst_namespace',
  dstDeployment: 'dst_deployment',
  dstPod: 'dst_pod',
  dstService: 'dst_service',
  srcNamespace: 'src_namespace',
  srcDeployment: 'src_deployment',
  authority: 'authority',
  classification: 'classification',
  statusCode: 'status_code',
  tls: 'tls',
  clientId: 'client_id',
  /** Inbound, plaintext callers only: the caller's source address (the controller maps it to its pod). */
  srcAddr: 'src_addr',
  serverId: 'server_id',
  errorReason: 'error',
  peer: 'peer',
} as const;

/** `direction` label values. */
export const Direction = { inbound: 'inbound', outbound: 'outbound' } as const;

/** `classification` label values on `response_total`. */
export const Classification = { success: 'success', failure: 'failure' } as const;

/** Latency histogram bucket bounds in milliseconds, Linkerd's. */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000,
  30000, 40000, 50000,
];

/** The time windows the API answers for, and their length in seconds. */
export const TimeWindow = lazy(() => z.enum(['1m', '5m', '15m', '1h']));
export type TimeWindow = z.infer<typeof TimeWindow>;
export const WINDOW_SECONDS: Record<TimeWindow, number> = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600 };

/** Golden metrics over a window. Null where no request was seen. */
export const GoldenMetrics = lazy(() =>
  z.object({
    /** Successes / (successes + failures), 0..1. */
    successRate: z.number().min(0).max(1).nullable(),
    /** Responses per second over the window. */
    rps: z.number().nonnegative(),
    /** Latency quantiles in milliseconds. */
    latencyP50Ms: z.number().nonnegative().nullable(),
    latencyP95Ms: z.number().nonnegative().nullable(),
    latencyP99Ms: z.number().nonnegative().nullable(),
    /** Responses counted in the window. */
    requests: z.number().nonnegative(),
    failures: z.number().nonnegative(),
  }),
);
export type GoldenMetrics = z.infer<typeof GoldenMetrics>;

/** One point of a golden-metrics time series. */
export const GoldenPoint = lazy(() => GoldenMetrics.extend({ timestamp: z.number() }));
export type GoldenPoint = z.infer<typeof GoldenPoint>;

/** A node in the topology: a workload, meshed or seen only as a caller. */
export const TopologyNode = lazy(() =>
  z.object({
    namespace: NamespaceName,
    name: ObjectName,
    meshed: z.boolean(),
    metrics: GoldenMetrics.nullable(),
  }),
);
export type TopologyNode = z.infer<typeof TopologyNode>;

/** A directed edge: traffic seen from one workload to another. */
export const Edge = lazy(() =>
  z.object({
    source: z.object({ namespace: NamespaceName, name: ObjectName }),
    destination: z.object({ namespace: NamespaceName, name: ObjectName }),
    metrics: GoldenMetrics,
    /** Whether all the traffic on this edge in the window was mutually authenticated (mTLS). */
    secured: z.boolean(),
    /**
     * The share of this edge's requests in the window that were mTLS, 0..1: between 0 and 1
     * when the caller or callee was meshed during the window.
     */
    securedShare: z.number().min(0).max(1),
    clientIdentity: z.string().nullable(),
    serverIdentity: z.string().nullable(),
    /** True when the source has no proxy and the edge was seen only on inbound metrics. */
    sourceUnmeshed: z.boolean(),
  }),
);
export type Edge = z.infer<typeof Edge>;

export const Topology = lazy(() =>
  z.object({
    window: TimeWindow,
    nodes: z.array(TopologyNode),
    edges: z.array(Edge),
  }),
);
export type Topology = z.infer<typeof Topology>;

/** What a golden-metrics question is about. */
export const MetricsScope = lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('namespace'), namespace: NamespaceName }),
    z.object({ kind: z.literal('workload'), namespace: NamespaceName, name: ObjectName }),
    z.object({ kind: z.literal('pod'), namespace: NamespaceName, name: z.string().min(1) }),
  ]),
);
export type MetricsScope = z.infer<typeof MetricsScope>;
