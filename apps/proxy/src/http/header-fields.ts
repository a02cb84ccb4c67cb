/**
 * HTTP/1 header fields: which names the proxy acts on (framing, hop-by-hop, the mesh
 * header), the byte classes a field may hold, and the header block forwarded after
 * hop-by-hop lines are cut. Lookups are by char code and a small map, without slicing
 * names the proxy passes untouched.
 */
import type { Http1Parser } from './parser.ts';

/** Most header fields in a head (a request past it gets 431). */
export const MAX_HEADER_FIELDS = 100;

/**
 * Header names that are hop-by-hop (RFC 9110 §7.6.1), plus our own mesh header. Not
 * `transfer-encoding`: chunked bodies are forwarded with their framing, so it stays.
 */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'upgrade',
  'weft-src',
]);

/** The mesh header carrying the calling workload (`namespace/deployment`) between proxies. */
export const SRC_HEADER = 'weft-src';
const SRC_HEADER_NAME = SRC_HEADER;

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
export const BAD_HEAD = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?<!\r)\n/;

/** Token characters (RFC 9110 §5.6.2), by char code. */
export const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  TCHAR[c.charCodeAt(0)] = 1;
}

// header kinds the parser acts on
/** `Transfer-Encoding` whose last coding is chunked (RFC 9112 §6.3). */
export const CHUNKED_LAST = /(^|,)[ \t]*chunked[ \t]*$/i;
/** A `Content-Length` value: digits only, bounded so it stays an exact number. */
export const CONTENT_LENGTH = /^\d{1,15}$/;

export const K_HOP = 1;
export const K_CONNECTION = 2;
export const K_UPGRADE = 3;
export const K_SRC = 4;
export const K_TE = 5;
export const K_CL = 6;
export const K_HOST = 7;
export const K_EXPECT = 8;

/** Lower-case name → kind, for the few names the proxy reads or removes. */
const KINDS = new Map<string, number>([
  ['connection', K_CONNECTION],
  ['keep-alive', K_HOP],
  ['proxy-connection', K_HOP],
  ['proxy-authenticate', K_HOP],
  ['proxy-authorization', K_HOP],
  ['te', K_HOP],
  ['upgrade', K_UPGRADE],
  [SRC_HEADER_NAME, K_SRC],
  ['transfer-encoding', K_TE],
  ['content-length', K_CL],
  ['host', K_HOST],
  ['expect', K_EXPECT],
]);
/** Name lengths worth a look (a cheap filter before slicing). */
const KIND_LENGTHS = new Uint8Array(32);
for (const n of KINDS.keys()) KIND_LENGTHS[n.length] = 1;

/** The kind of the header name at h[pos, pos+len), 0 for the ones the proxy passes untouched. */
export function interesting(h: string, pos: number, len: number): number {
  if (len >= 32 || KIND_LENGTHS[len] === 0) return 0;
  const c = h.charCodeAt(pos) | 0x20;
  // c, k, p, t, u, w, h, e: the first letters of the names above
  if (c !== 99 && c !== 107 && c !== 112 && c !== 116 && c !== 117 && c !== 119 && c !== 104 && c !== 101)
    return 0;
  return KINDS.get(h.slice(pos, pos + len).toLowerCase()) ?? 0;
}

/**
 * A field value without its optional whitespace (RFC 9110 §5.6.3: SP and HTAB only). Not
 * `String.prototype.trim`, which also strips NBSP (0xA0) and would turn
 * `Content-Length: 3<NBSP>` into 3 where llhttp refuses it.
 */
export function trimOws(v: string): string {
  let a = 0;
  let b = v.length;
  while (a < b && (v.charCodeAt(a) === 32 || v.charCodeAt(a) === 9)) a++;
  while (b > a && (v.charCodeAt(b - 1) === 32 || v.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === v.length ? v : v.slice(a, b);
}

/** Whether a line is a header field: a token name, a colon, a value without control characters but HTAB. */
export function isFieldLine(line: string): boolean {
  const colon = line.indexOf(':');
  if (colon <= 0) return false;
  for (let k = 0; k < colon; k++) if (!TCHAR[line.charCodeAt(k)]) return false;
  for (let k = colon + 1; k < line.length; k++) {
    const c = line.charCodeAt(k);
    if ((c < 32 && c !== 9) || c === 127) return false;
  }
  return true;
}

/**
 * The parsed head's header lines minus the hop-by-hop ones, each with its CRLF: what a
 * proxy forwards after its own start line (then its own lines, then a blank line).
 */
export function headerBlock(p: Http1Parser): string {
  const h = p.head;
  const r = p.hopRanges;
  const end = h.length - 2;
  if (r.length === 0) return h.slice(p.headersStart, end);
  let out = '';
  let pos = p.headersStart;
  for (let k = 0; k < r.length; k += 2) {
    const a = r[k] as number;
    if (a > pos) out += h.slice(pos, a);
    pos = r[k + 1] as number;
  }
  if (end > pos) out += h.slice(pos, end);
  return out;
}
