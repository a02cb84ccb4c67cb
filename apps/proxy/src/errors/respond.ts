/**
 * Proxy failures and the one place they become responses. Protocol code raises a
 * `ProxyError` with a reason and calls `errorResponse` to learn the status and the
 * `weft-proxy-error` header value; no protocol builds its own error response.
 */
import { ErrorCode, MeshError } from '@weft/shared';

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

/** Turns a socket error from an endpoint connection into the proxy's reason. */
export function reasonOfSocketError(err: unknown, connected: boolean): ProxyErrorReason {
  const code = (err as { code?: string } | null)?.code;
  if (!connected) {
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

/** The gRPC status a reason maps to (for HTTP/2 gRPC callers): UNAVAILABLE or DEADLINE_EXCEEDED. */
export function grpcStatusFor(reason: ProxyErrorReason): number {
  return STATUS[reason] === 504 ? 4 : reason === ProxyErrorReason.internal ? 13 : 14;
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

/** Reason phrases for the statuses the proxy itself sends. */
export const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};
