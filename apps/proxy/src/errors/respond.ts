/**
 * Proxy failures and the one place they become responses. Protocol code raises a
 * `ProxyError` with a reason and calls `errorResponse` to learn the status and the
 * `weft-proxy-error` header value; no protocol builds its own error response.
 */
import type { OutgoingHttpHeaders } from 'node:http2';
import { ErrorCode, MeshError } from '@weft/shared';
import { isMarkedConnectFailure } from '../transport/connector.ts';

/** The header naming why the proxy, not the application, answered. */
export const PROXY_ERROR_HEADER = 'weft-proxy-error';

/** Stable reasons, sent as the `weft-proxy-error` header value. */
export const ProxyErrorReason = {
  /** The endpoint refused the connection or was unreachable. */
  connectRefused: 'connect-refused',
  /** Connecting to the endpoint took too long. */
  connectTimeout: 'connect-timeout',
  /** The endpoint closed or reset the connection before a complete response head. */
  connectionReset: 'connection-reset',
  /** The endpoint sent something that is not a valid HTTP response. */
  badResponse: 'bad-response',
  /** The destination resolved to no endpoints. */
  noEndpoints: 'no-endpoints',
  /** The authority is neither a known service nor an IP:port. */
  unresolvable: 'unresolvable',
  /** Resolution did not answer in time. */
  resolveTimeout: 'resolve-timeout',
  /** The route's request timeout elapsed before the response head. */
  requestTimeout: 'request-timeout',
  /** The proxy is shutting down. */
  draining: 'draining',
  /** No route of the authority's policy matches the request. */
  noRoute: 'no-route',
  /** The inbound rate limit refused the request (429 with `Retry-After`). */
  rateLimited: 'rate-limited',
  /** An HTTPFault aborted the request (its configured status). */
  faultInjected: 'fault-injected',
  /** Every endpoint is ejected by failure accrual. */
  loadshed: 'loadshed',
  /** Too many HTTP/2 streams already wait for a session slot to the endpoint. */
  streamQueueFull: 'stream-queue-full',
  /** An HTTP/2 stream waited too long for a session slot to the endpoint. */
  streamQueueTimeout: 'stream-queue-timeout',
  /** The port's authorization policy does not let this caller in (403, gRPC PERMISSION_DENIED). */
  unauthorized: 'unauthorized',
  /** Anything else: a bug, reported rather than crashing. */
  internal: 'internal',
} as const;
export type ProxyErrorReason = (typeof ProxyErrorReason)[keyof typeof ProxyErrorReason];

const STATUS: Record<ProxyErrorReason, number> = {
  'connect-refused': 502,
  'connect-timeout': 504,
  'connection-reset': 502,
  'bad-response': 502,
  'no-endpoints': 503,
  unresolvable: 503,
  'resolve-timeout': 503,
  'request-timeout': 504,
  draining: 503,
  'no-route': 404,
  'rate-limited': 429,
  'fault-injected': 500,
  loadshed: 503,
  'stream-queue-full': 503,
  'stream-queue-timeout': 503,
  unauthorized: 403,
  internal: 500,
};

const CODE: Record<ProxyErrorReason, ErrorCode> = {
  'connect-refused': ErrorCode.unavailable,
  'connect-timeout': ErrorCode.timeout,
  'connection-reset': ErrorCode.unavailable,
  'bad-response': ErrorCode.unavailable,
  'no-endpoints': ErrorCode.unavailable,
  unresolvable: ErrorCode.notFound,
  'resolve-timeout': ErrorCode.timeout,
  'request-timeout': ErrorCode.timeout,
  draining: ErrorCode.unavailable,
  'no-route': ErrorCode.notFound,
  'rate-limited': ErrorCode.unavailable,
  'fault-injected': ErrorCode.unavailable,
  loadshed: ErrorCode.unavailable,
  'stream-queue-full': ErrorCode.unavailable,
  'stream-queue-timeout': ErrorCode.unavailable,
  unauthorized: ErrorCode.forbidden,
  internal: ErrorCode.internal,
};

/** A failure the proxy answers for, with the reason it reports. */
export class ProxyError extends MeshError {
  readonly reason: ProxyErrorReason;
  constructor(reason: ProxyErrorReason, message: string, options?: { cause?: unknown }) {
    super(CODE[reason], message, options);
    this.reason = reason;
  }
}

/**
 * Turns a socket error from an endpoint connection into the proxy's reason. A TLS
 * handshake that failed after TCP connected (a plaintext peer answering "wrong version
 * number", a wrong certificate) is a connect failure too: no request byte got through.
 */
export function reasonOfSocketError(err: unknown, connected: boolean): ProxyErrorReason {
  const code = (err as { code?: string } | null)?.code;
  if (!connected || isMarkedConnectFailure(err)) {
    if (code === 'ETIMEDOUT') return ProxyErrorReason.connectTimeout;
    return ProxyErrorReason.connectRefused;
  }
  return ProxyErrorReason.connectionReset;
}

/** What to answer for an error: status and the `weft-proxy-error` value. */
export interface ErrorResponse {
  readonly status: number;
  readonly reason: ProxyErrorReason;
}

const responses = new Map<ProxyErrorReason, ErrorResponse>();
for (const r of Object.values(ProxyErrorReason)) responses.set(r, { status: STATUS[r], reason: r });

/** The response for any error: `ProxyError`s by reason, anything else as 500 `internal`. */
export function errorResponse(err: unknown): ErrorResponse {
  const reason = err instanceof ProxyError ? err.reason : ProxyErrorReason.internal;
  return responses.get(reason) as ErrorResponse;
}

/** The response for a reason. */
export function responseFor(reason: ProxyErrorReason): ErrorResponse {
  return responses.get(reason) as ErrorResponse;
}

/**
 * The gRPC status a reason maps to (for HTTP/2 gRPC callers): DEADLINE_EXCEEDED for
 * timeouts, UNIMPLEMENTED for no route, RESOURCE_EXHAUSTED for the rate limit,
 * PERMISSION_DENIED for authorization, INTERNAL for a bug, UNAVAILABLE otherwise.
 */
export function grpcStatusFor(reason: ProxyErrorReason): number {
  if (STATUS[reason] === 504) return 4;
  if (reason === ProxyErrorReason.noRoute) return 12;
  if (reason === ProxyErrorReason.rateLimited) return 8;
  if (reason === ProxyErrorReason.unauthorized) return 7;
  return reason === ProxyErrorReason.internal ? 13 : 14;
}

const answers = new Map<string, string>();
/**
 * A complete HTTP/1.1 answer of the proxy's own with any status: `reason` in
 * `weft-proxy-error`, `extra` header lines (each ending in CRLF, e.g. `retry-after: 1`),
 * a short text body. Built once per distinct shape (statuses and extras come from plans,
 * so there are few).
 */
export function http1Answer(status: number, reason: ProxyErrorReason, close: boolean, extra: string): string {
  const key = `${status}|${reason}|${close ? 1 : 0}|${extra}`;
  let s = answers.get(key);
  if (s === undefined) {
    const body = `weft proxy: ${reason}\n`;
    s =
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${PROXY_ERROR_HEADER}: ${reason}\r\n${extra}` +
      `content-type: text/plain\r\ncontent-length: ${body.length}\r\n` +
      (close ? 'connection: close\r\n' : '') +
      `\r\n${body}`;
    if (answers.size < 1024) answers.set(key, s);
  }
  return s;
}

const heads = new Map<ProxyErrorReason, string>();
/**
 * A complete HTTP/1.1 error response (head and short text body) for a reason, built once
 * per reason. `close` adds `connection: close`.
 */
export function http1ErrorResponse(reason: ProxyErrorReason, close: boolean): string {
  const key = (close ? `c:${reason}` : reason) as ProxyErrorReason;
  let s = heads.get(key);
  if (s === undefined) {
    const { status } = responseFor(reason);
    const body = `weft proxy: ${reason}\n`;
    s =
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${PROXY_ERROR_HEADER}: ${reason}\r\n` +
      `content-type: text/plain\r\ncontent-length: ${body.length}\r\n` +
      (close ? 'connection: close\r\n' : '') +
      `\r\n${body}`;
    heads.set(key, s);
  }
  return s;
}

/** A redirect (a route's RequestRedirect): `extra` carries the `location:` line. */
export function http1Redirect(status: number, extra: string, close: boolean): string {
  return (
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Redirect'}\r\n${extra}content-length: 0\r\n` +
    (close ? 'connection: close\r\n' : '') +
    '\r\n'
  );
}

/** HTTP/2 response headers of the proxy's own answer (a short text body follows). */
export function h2Answer(status: number, reason: ProxyErrorReason, retryAfter: number): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = {
    ':status': status,
    'content-type': 'text/plain',
    [PROXY_ERROR_HEADER]: reason,
  };
  if (retryAfter > 0) h['retry-after'] = String(retryAfter);
  return h;
}

/** A trailers-only gRPC answer of the proxy's own: `grpc-status`, the reason as `grpc-message`. */
export function h2GrpcAnswer(reason: ProxyErrorReason, grpcStatus: number): OutgoingHttpHeaders {
  return {
    ':status': 200,
    'content-type': 'application/grpc',
    'grpc-status': String(grpcStatus),
    'grpc-message': encodeURIComponent(reason),
    [PROXY_ERROR_HEADER]: reason,
  };
}

/**
 * The answer to a request the proxy refuses before routing it (malformed, too large,
 * too slow, a method not allowed here): `status` with `message` as a text body, and the
 * connection closed.
 */
export function http1BadRequest(status: number, message: string): string {
  const body = message === '' ? '' : `${message}\n`;
  return (
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Bad Request'}\r\n` +
    (body === '' ? '' : 'content-type: text/plain\r\n') +
    `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`
  );
}

/** Reason phrases for the statuses the proxy itself sends. */
export const STATUS_TEXT: Record<number, string> = {
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};
