/**
 * Header translation for HTTP/1 carried over HTTP/2 between meshed proxies (the outbound
 * proxy upgrades an HTTP/1 request to a stream on its pooled mTLS session to the peer; the
 * peer's inbound proxy turns it back into HTTP/1 for the app). Pure functions, both ways:
 *
 * - HTTP/1 → h2: the header block (hop-by-hop lines already cut by the parser) becomes h2
 *   fields; Host becomes `:authority`; Connection, Keep-Alive, Proxy-Connection,
 *   Transfer-Encoding, Upgrade and a TE other than "trailers" are dropped (RFC 9113
 *   §8.2.2); names are lower-cased (HTTP/1 header case is not preserved across the hop).
 * - h2 → HTTP/1: fields become header lines, `:authority` the Host line, and the framing
 *   (Content-Length kept, else chunked) is chosen by the caller.
 *
 * The marker `weft-orig-proto: HTTP/1.1` (cf. Linkerd's `l5d-orig-proto`) travels on the
 * request and on the response of an upgraded exchange; neither app ever sees it.
 */
import { STATUS_CODES } from 'node:http';

/** The marker header of an upgraded exchange, and its value. */
export const ORIG_PROTO = 'weft-orig-proto';
export const ORIG_PROTO_HTTP1 = 'HTTP/1.1';

/** Connection-specific names (RFC 9113 §8.2.2) never sent as h2 fields, nor copied back. */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/**
 * The h2 request fields of an HTTP/1 request: pseudo-headers, then the lines of `block`
 * (`name: value\r\n` each) less Host and the connection-specific ones, then `weft-src`
 * when known and the marker. `authority` is the request's Host (or absolute-form authority).
 */
export function requestFields(
  method: string,
  path: string,
  authority: string,
  block: string,
  src: string,
): string[] {
  const out = [':method', method, ':scheme', 'http', ':authority', authority, ':path', path];
  appendBlock(out, block, true);
  if (src !== '') out.push('weft-src', src);
  out.push(ORIG_PROTO, ORIG_PROTO_HTTP1);
  return out;
}

/** The h2 response fields of an HTTP/1 response head's block; `length` kept unless -1. */
export function responseFields(status: number, block: string): string[] {
  const out = [':status', String(status)];
  appendBlock(out, block, false);
  out.push(ORIG_PROTO, ORIG_PROTO_HTTP1);
  return out;
}

/** Appends the fields of an HTTP/1 header block to `out` (see `requestFields`). */
function appendBlock(out: string[], block: string, request: boolean): void {
  let pos = 0;
  const end = block.length;
  while (pos < end) {
    let eol = block.indexOf('\r\n', pos);
    if (eol < 0) eol = end;
    const colon = block.indexOf(':', pos);
    if (colon > pos && colon < eol) {
      const name = block.slice(pos, colon).toLowerCase();
      const value = trim(block.slice(colon + 1, eol));
      if (keep(name, value, request)) out.push(name, value);
    }
    pos = eol + 2;
  }
}

function keep(name: string, value: string, request: boolean): boolean {
  if (CONNECTION_SPECIFIC.has(name) || name === ORIG_PROTO) return false;
  if (request) {
    if (name === 'host' || name === 'weft-src') return false;
    if (name === 'te') return value.toLowerCase() === 'trailers';
  }
  return true;
}

function trim(v: string): string {
  let a = 0;
  let b = v.length;
  while (a < b && (v.charCodeAt(a) === 32 || v.charCodeAt(a) === 9)) a++;
  while (b > a && (v.charCodeAt(b - 1) === 32 || v.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === v.length ? v : v.slice(a, b);
}

/**
 * The HTTP/1 header lines of h2 fields (each `name: value\r\n`), pseudo-headers, the
 * marker, connection-specific names and `skip` left out. `:authority` becomes a Host
 * line when `hostLine` (requests).
 */
export function headerLines(fields: readonly string[], hostLine: boolean, skip: string): string {
  let out = '';
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    const value = fields[i + 1] as string;
    if (name.charCodeAt(0) === 58) {
      if (hostLine && name === ':authority') out = `host: ${value}\r\n${out}`;
      continue;
    }
    if (name === ORIG_PROTO || name === skip || CONNECTION_SPECIFIC.has(name)) continue;
    if (name === 'te' && value !== 'trailers') continue;
    out += `${name}: ${value}\r\n`;
  }
  return out;
}

/** Whether h2 `fields` carry the marker of an upgraded exchange. */
export function hasMarker(fields: readonly string[]): boolean {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === ORIG_PROTO) return true;
  return false;
}

/** An HTTP/1 status line for `status` (the reason phrase is the standard one: h2 has none). */
export function statusLine(status: number, minor: number): string {
  return `HTTP/1.${minor} ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
}

/** Trailer lines (`name: value\r\n`) of h2 trailer fields. */
export function trailerLines(fields: readonly string[]): string {
  return headerLines(fields, false, '');
}
