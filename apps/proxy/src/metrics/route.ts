/**
 * Per-route metrics, as linkerd2-proxy 2.16+ serves them: `outbound_http_route_*` and
 * `outbound_grpc_route_*`, labelled by the parent Service port (`parent_*`), the route
 * (`route_*`) and, for backend families, the backend Service port (`backend_*`). Label
 * sets are resolved once per (parent, route, protocol) and per backend, and cached;
 * counting a request is then a few field increments.
 *
 * Beyond Linkerd's labels, `route_rule` is the rule's index in its route document (when the
 * plan says it), so each rule of a route is counted on its own.
 *
 * Not labelled: Linkerd's `hostname` (the request's host), which would make the label
 * set depend on each request.
 */
import type { PolicySource, ServicePortRef } from '@weft/shared';
import {
  ROUTE_REQUEST_BUCKETS_S,
  ROUTE_RESPONSE_BUCKETS_S,
  RouteMetricName,
  routeMetricName,
} from '@weft/shared';
import type { Registry } from 'prom-client';
import type { ProxyErrorReason } from '../errors/respond.ts';
import { CollectedMetric, Histogram, type Labels, type MetricValue } from './collected.ts';
import type { RouteBackendMetrics, RouteError, RouteMetrics } from './handles.ts';

/** Route handles kept before further routes are counted together on one unlabelled handle. */
export const MAX_ROUTE_SETS = 512;
/** Backend handles kept per route before further backends share one unlabelled handle. */
export const MAX_BACKENDS_PER_ROUTE = 64;
/** Status label sets kept per handle; beyond, outcomes are counted as `error="UNKNOWN"` with no status. */
export const MAX_STATUS_SETS = 128;

/** gRPC status names as linkerd2-proxy writes them in `grpc_status`, by code. */
const GRPC_STATUS_NAMES: readonly string[] = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

const ERROR_INDEX: Record<RouteError, number> = {
  FAIL_FAST: 1,
  LOAD_SHED: 2,
  REQUEST_TIMEOUT: 3,
  RESPONSE_HEADERS_TIMEOUT: 4,
  RESPONSE_STREAM_TIMEOUT: 5,
  IDLE_TIMEOUT: 6,
  CANCEL: 7,
  REFUSED: 8,
  ENHANCE_YOUR_CALM: 9,
  RESET: 10,
  GO_AWAY: 11,
  IO: 12,
  UNKNOWN: 13,
};

const ROUTE_ERROR_FOR: Record<ProxyErrorReason, RouteError> = {
  'connect-refused': 'IO',
  'connect-timeout': 'IO',
  'connection-reset': 'IO',
  'bad-response': 'UNKNOWN',
  'no-endpoints': 'FAIL_FAST',
  unresolvable: 'FAIL_FAST',
  'resolve-timeout': 'FAIL_FAST',
  'request-timeout': 'REQUEST_TIMEOUT',
  draining: 'UNKNOWN',
  'no-route': 'UNKNOWN',
  'rate-limited': 'LOAD_SHED',
  'fault-injected': 'UNKNOWN',
  loadshed: 'LOAD_SHED',
  'stream-queue-full': 'LOAD_SHED',
  'stream-queue-timeout': 'LOAD_SHED',
  unauthorized: 'UNKNOWN',
  internal: 'UNKNOWN',
};

/** The route `error` label for a failure the proxy answered itself. */
export function routeErrorFor(reason: ProxyErrorReason): RouteError {
  return ROUTE_ERROR_FOR[reason];
}

/** Gateway API group of a route kind, as Linkerd labels `route_group`. */
function routeGroup(kind: string): string {
  return kind === 'HTTPRoute' || kind === 'GRPCRoute' ? 'gateway.networking.k8s.io' : '';
}

function setIf(l: Labels, key: string, value: string): void {
  if (value) l[key] = value;
}

function serviceLabels(scope: 'parent' | 'backend', ref: ServicePortRef, into: Labels): void {
  into[`${scope}_group`] = 'core';
  into[`${scope}_kind`] = 'Service';
  into[`${scope}_namespace`] = ref.namespace;
  into[`${scope}_name`] = ref.name;
  into[`${scope}_port`] = String(ref.port);
}

/** Counts per (status, error) of one label set. */
class StatusCounts {
  readonly counts = new Map<number, { labels: Labels; n: number }>();
  private lastKey = -1;
  private last: { labels: Labels; n: number } | null = null;
  constructor(
    private readonly base: Labels,
    private readonly grpc: boolean,
  ) {}

  count(httpStatus: number, grpcStatus: number | null, error: RouteError | null): void {
    const status = this.grpc ? (grpcStatus === null ? -1 : grpcStatus) : httpStatus;
    const key = (status + 1) * 16 + (error === null ? 0 : (ERROR_INDEX[error] ?? 13));
    let c = this.last;
    if (key !== this.lastKey || c === null) {
      c = this.counts.get(key) ?? null;
      if (c === null) {
        c = this.create(key, status, error);
      }
      this.last = c;
      this.lastKey = key;
    }
    c.n++;
  }

  private create(key: number, status: number, error: RouteError | null): { labels: Labels; n: number } {
    if (this.counts.size >= MAX_STATUS_SETS) {
      // A flood of odd statuses must not grow memory: counted as an unknown failure.
      const overflowKey = -1;
      let c = this.counts.get(overflowKey);
      if (c === undefined) {
        c = { labels: { ...this.base, error: 'UNKNOWN' }, n: 0 };
        this.counts.set(overflowKey, c);
      }
      return c;
    }
    const labels: Labels = { ...this.base };
    if (this.grpc) {
      if (status >= 0) labels.grpc_status = GRPC_STATUS_NAMES[status] ?? 'UNKNOWN';
    } else if (status > 0) labels.http_status = String(status);
    if (error !== null) labels.error = error;
    const c = { labels, n: 0 };
    this.counts.set(key, c);
    return c;
  }
}

/** One backend of one route. */
export class RouteBackendAccum implements RouteBackendMetrics {
  requests = 0;
  readonly duration = new Histogram(ROUTE_RESPONSE_BUCKETS_S);
  readonly statuses: StatusCounts;
  constructor(
    readonly labels: Labels,
    grpc: boolean,
  ) {
    this.statuses = new StatusCounts(labels, grpc);
  }

  request(): void {
    this.requests++;
  }

  done(httpStatus: number, grpcStatus: number | null, error: RouteError | null, durationMs: number): void {
    this.duration.observe(durationMs / 1000);
    this.statuses.count(httpStatus, grpcStatus, error);
  }
}

/** One route of one parent. */
export class RouteAccum implements RouteMetrics {
  readonly duration = new Histogram(ROUTE_REQUEST_BUCKETS_S);
  readonly statuses: StatusCounts;
  retries = 0;
  retrySuccesses = 0;
  limitExceeded = 0;
  overflows = 0;
  readonly backends = new Map<string, RouteBackendAccum>();
  /** Backends by the plan's ref objects (dropped with the plan that held them). */
  private readonly byRef = new WeakMap<ServicePortRef, RouteBackendAccum>();
  private lastRef: ServicePortRef | null = null;
  private lastBackend: RouteBackendAccum | null = null;
  constructor(
    readonly labels: Labels,
    readonly protocol: 'http' | 'grpc',
  ) {
    this.statuses = new StatusCounts(labels, protocol === 'grpc');
  }

  requestDone(
    httpStatus: number,
    grpcStatus: number | null,
    error: RouteError | null,
    durationMs: number,
  ): void {
    this.duration.observe(durationMs / 1000);
    this.statuses.count(httpStatus, grpcStatus, error);
  }

  retry(): void {
    this.retries++;
  }

  retrySucceeded(): void {
    this.retrySuccesses++;
  }

  retryLimitExceeded(): void {
    this.limitExceeded++;
  }

  retryOverflow(): void {
    this.overflows++;
  }

  backend(ref: ServicePortRef): RouteBackendMetrics {
    // Called per request with the plan's own ref objects: found by identity first,
    // without building a key.
    if (ref === this.lastRef && this.lastBackend !== null) return this.lastBackend;
    let b = this.byRef.get(ref);
    if (b === undefined) {
      b = this.backendFor(ref);
      this.byRef.set(ref, b);
    }
    this.lastRef = ref;
    this.lastBackend = b;
    return b;
  }

  private backendFor(ref: ServicePortRef): RouteBackendAccum {
    let key = `${ref.namespace}\0${ref.name}\0${ref.port}`;
    let b = this.backends.get(key);
    if (b !== undefined) return b;
    const labels: Labels = { ...this.labels };
    if (this.backends.size >= MAX_BACKENDS_PER_ROUTE) {
      key = '';
      b = this.backends.get(key);
      if (b !== undefined) return b;
    } else serviceLabels('backend', ref, labels);
    b = new RouteBackendAccum(labels, this.protocol === 'grpc');
    this.backends.set(key, b);
    return b;
  }
}

/** Every route handle of one proxy, and their rendering. */
export class RouteRegistry {
  private readonly routes = new Map<string, RouteAccum>();
  constructor(private readonly own: Labels) {}

  route(parent: ServicePortRef, route: PolicySource, protocol: 'http' | 'grpc', rule?: number): RouteMetrics {
    let key = `${protocol}\0${parent.namespace}\0${parent.name}\0${parent.port}\0${route.kind}\0${route.namespace}\0${route.name}\0${rule ?? ''}`;
    let r = this.routes.get(key);
    if (r !== undefined) return r;
    const labels: Labels = { ...this.own };
    if (this.routes.size >= MAX_ROUTE_SETS) {
      key = protocol;
      r = this.routes.get(key);
      if (r !== undefined) return r;
    } else {
      serviceLabels('parent', parent, labels);
      setIf(labels, 'route_group', routeGroup(route.kind));
      labels.route_kind = route.kind;
      setIf(labels, 'route_namespace', route.namespace);
      setIf(labels, 'route_name', route.name);
      if (rule !== undefined) labels.route_rule = String(rule);
    }
    r = new RouteAccum(labels, protocol);
    this.routes.set(key, r);
    return r;
  }

  /** Registers every per-route family, for both protocols, in `registry`. */
  register(registry: Registry): void {
    const routes = this.routes;
    const add = (m: CollectedMetric) => registry.registerMetric(m as never);
    for (const protocol of ['http', 'grpc'] as const) {
      const name = (n: string) => routeMetricName(protocol, n);
      const each = (f: (r: RouteAccum, out: MetricValue[]) => void) => () => {
        const out: MetricValue[] = [];
        for (const r of routes.values()) if (r.protocol === protocol) f(r, out);
        return out;
      };
      const histogram = (n: string, help: string, f: (r: RouteAccum, out: MetricValue[]) => void) =>
        add(new CollectedMetric(name(n), help, 'histogram', each(f)));
      const counter = (n: string, help: string, f: (r: RouteAccum, out: MetricValue[]) => void) =>
        add(new CollectedMetric(name(n), help, 'counter', each(f)));
      const statuses = (s: StatusCounts, out: MetricValue[]) => {
        for (const c of s.counts.values()) if (c.n > 0) out.push({ labels: c.labels, value: c.n });
      };
      const plain = (v: (r: RouteAccum) => number) => (r: RouteAccum, out: MetricValue[]) => {
        if (r.duration.count > 0 || v(r) > 0) out.push({ labels: r.labels, value: v(r) });
      };

      const requestDuration = name(RouteMetricName.requestDurationSeconds);
      histogram(
        RouteMetricName.requestDurationSeconds,
        'The time between request initialization and response completion.',
        (r, out) => {
          if (r.duration.count > 0) r.duration.render(requestDuration, r.labels, out);
        },
      );
      counter(RouteMetricName.requestStatusesTotal, 'Completed request-response streams.', (r, out) =>
        statuses(r.statuses, out),
      );
      counter(RouteMetricName.backendRequestsTotal, 'Requests sent to the backend.', (r, out) => {
        for (const b of r.backends.values())
          if (b.requests > 0) out.push({ labels: b.labels, value: b.requests });
      });
      const backendDuration = name(RouteMetricName.backendResponseDurationSeconds);
      histogram(
        RouteMetricName.backendResponseDurationSeconds,
        'The time between request completion and response completion.',
        (r, out) => {
          for (const b of r.backends.values()) {
            if (b.duration.count > 0) b.duration.render(backendDuration, b.labels, out);
          }
        },
      );
      counter(RouteMetricName.backendResponseStatusesTotal, 'Completed responses.', (r, out) => {
        for (const b of r.backends.values()) statuses(b.statuses, out);
      });
      counter(
        RouteMetricName.retryRequestsTotal,
        'Retry requests emitted.',
        plain((r) => r.retries),
      );
      counter(
        RouteMetricName.retrySuccessesTotal,
        'Successful responses to retry requests.',
        plain((r) => r.retrySuccesses),
      );
      counter(
        RouteMetricName.retryLimitExceededTotal,
        'Retryable requests not sent due to retry limits.',
        plain((r) => r.limitExceeded),
      );
      counter(
        RouteMetricName.retryOverflowTotal,
        'Retryable requests not sent due to circuit breakers.',
        plain((r) => r.overflows),
      );
    }
  }
}
