/**
 * The handles protocol code counts through. Each handle is resolved once per target
 * (an endpoint's labels, an inbound authority) and then costs a field increment per
 * event; the registry turns the accumulators into Prometheus text at scrape time.
 */
import type { Socket } from 'node:net';
import type { ServicePortRef } from '@weft/shared';

/** HTTP request/response counting for one label set (`request_total`, `response_total`, `response_latency_ms`). */
export interface HttpMetrics {
  /** A request was sent on (outbound) or received (inbound). */
  request(): void;
  /**
   * A response head was seen (or a synthetic error response sent): its status, the time
   * from the request's head to it in milliseconds, and whether it counts as a failure
   * (5xx, a gRPC status other than 0, or an error the proxy answered).
   */
  response(status: number, latencyMs: number, failure: boolean): void;
}

/** TCP connection counting for one label set (`tcp_open_total`, `tcp_close_total`, ...). */
export interface TcpMetrics {
  /**
   * A connection opened: counts `tcp_open_total` and `tcp_open_connections`, and notes
   * on the socket when, for `tcp_connection_duration_ms`.
   */
  open(socket: Socket): void;
  /**
   * A connection closed: counts `tcp_close_total`, adds its `bytesRead`/`bytesWritten`
   * and its lifetime since `open(socket)`.
   */
  close(socket: Socket): void;
}

/** Both handles of one target. */
export interface TargetMetrics {
  readonly http: HttpMetrics;
  readonly tcp: TcpMetrics;
  /**
   * The holder is done with these handles (an endpoint left its set): once no holder is
   * left and its connections have closed, the registry drops the label set after a
   * while, so pods replaced by rollouts do not pile up series.
   */
  release?(): void;
}

/**
 * The `error` label of the per-route families, as linkerd2-proxy names the failures it
 * answers itself (see `routeErrorFor` for Weft's proxy errors).
 */
export type RouteError =
  | 'FAIL_FAST'
  | 'LOAD_SHED'
  | 'REQUEST_TIMEOUT'
  | 'RESPONSE_HEADERS_TIMEOUT'
  | 'RESPONSE_STREAM_TIMEOUT'
  | 'IDLE_TIMEOUT'
  | 'CANCEL'
  | 'REFUSED'
  | 'ENHANCE_YOUR_CALM'
  | 'RESET'
  | 'GO_AWAY'
  | 'IO'
  | 'UNKNOWN';

/**
 * The outcome of one request or one backend attempt: the HTTP status of the response
 * (0 when none came), the gRPC status when the caller speaks gRPC and one was seen (else
 * null), the failure the proxy answered or saw instead (else null), and the time from
 * the request's start to the end of the response, in milliseconds.
 */
export type RouteOutcome = (
  httpStatus: number,
  grpcStatus: number | null,
  error: RouteError | null,
  durationMs: number,
) => void;

/** One backend of one route: `outbound_{http,grpc}_route_backend_*`. */
export interface RouteBackendMetrics {
  /** An attempt was sent to this backend (`..._backend_requests_total`). */
  request(): void;
  /** An attempt ended (`..._backend_response_duration_seconds`, `..._backend_response_statuses_total`). */
  done: RouteOutcome;
}

/** One route of one parent Service: `outbound_{http,grpc}_route_*`. */
export interface RouteMetrics {
  /** A request through the route ended (`..._request_duration_seconds`, `..._request_statuses_total`). */
  requestDone: RouteOutcome;
  /** A retry was sent (`..._retry_requests_total`). */
  retry(): void;
  /** A retry got a response that is not retried again (`..._retry_successes_total`). */
  retrySucceeded(): void;
  /** A retryable failure was not retried: the route's retry limit was reached (`..._retry_limit_exceeded_total`). */
  retryLimitExceeded(): void;
  /** A retryable failure was not retried: the retry budget was spent (`..._retry_overflow_total`). */
  retryOverflow(): void;
  /** The handle of one backend of this route, resolved once and cached. */
  backend(ref: ServicePortRef): RouteBackendMetrics;
}
