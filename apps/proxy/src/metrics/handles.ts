/**
 * The handles protocol code counts through. Each handle is resolved once per target
 * (an endpoint's labels, an inbound authority) and then costs a field increment per
 * event; the registry turns the accumulators into Prometheus text at scrape time.
 */
import type { Socket } from 'node:net';

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
  /** A connection opened: counts `tcp_open_total` and `tcp_open_connections`. */
  open(): void;
  /** A connection closed: counts `tcp_close_total` and adds its `bytesRead`/`bytesWritten`. */
  close(socket: Socket): void;
}

/** Both handles of one target. */
export interface TargetMetrics {
  readonly http: HttpMetrics;
  readonly tcp: TcpMetrics;
}
