/**
 * Checks made on every API request before tRPC sees it: a Host this controller answers
 * to (an IP address, `localhost`, or a name in `WEFT_API_ALLOWED_HOSTS`, so that a
 * DNS-rebinding page cannot reach it), no foreign Origin (403), and a body within the
 * cap (413).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

/** Default cap on a request body. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface RequestGuardOptions {
  /** Host names accepted besides IP addresses and `localhost` (lowercase). */
  allowedHosts?: readonly string[];
  maxBodyBytes?: number;
}

/** Why a request is refused: the HTTP status and a message naming the problem. */
export interface Refusal {
  status: 403 | 413;
  message: string;
}

/** The host name of a Host header value (`[::1]:7090` → `::1`), lowercase; undefined when malformed. */
export function hostName(host: string): string | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/.exec(host);
  if (!m) return undefined;
  return (m[1] ?? m[2] ?? '').toLowerCase();
}

/** The refusal for a request, or undefined when it may go on. */
export function checkRequest(
  headers: IncomingHttpHeaders,
  opts: RequestGuardOptions = {},
): Refusal | undefined {
  const host = headers.host;
  const name = host === undefined ? undefined : hostName(host);
  if (host === undefined || name === undefined)
    return { status: 403, message: 'the request has no valid Host header' };
  if (name !== 'localhost' && isIP(name) === 0 && !(opts.allowedHosts ?? []).includes(name))
    return {
      status: 403,
      message: `Host "${host}" is not one this controller answers to (add it to WEFT_API_ALLOWED_HOSTS)`,
    };
  const origin = headers.origin;
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`)
    return { status: 403, message: `cross-origin requests are refused (Origin "${origin}")` };
  const max = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const length = headers['content-length'];
  if (length !== undefined && Number(length) > max)
    return { status: 413, message: `the request body exceeds ${max} bytes` };
  return undefined;
}
