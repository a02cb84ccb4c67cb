/**
 * HTTP/1 header fields: reading a head's fields into the parser (which names the proxy
 * acts on: framing, hop-by-hop, the mesh header), the byte classes a field may hold, and
 * the header block forwarded after hop-by-hop lines are cut. Lookups are by char code and a small map, without slicing
 * names the proxy passes untouched.
 */
import type { Http1Parser } from './parser.ts';

/** Most header fields in a head (a request past it gets 431). */
export const MAX_HEADER_FIELDS = 100;

/**
 * Header names that are hop-by-hop (RFC 9110 §7.6.1), plus our own mesh header. Not
 * `transfer-encoding`: chunked bodies are forwarded with their framing, so it stays.
 */
const HOP_BY_HOP = new Set([
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

/**
 * Control characters, and CR or LF not in a CRLF pair. Without lookarounds (quicker in
 * V8): a head starts after any leading CR/LF and ends with CRLFCRLF, so neither a lone
 * LF at its start nor a lone CR at its end can occur.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const BAD_HEAD = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r[^\n]|[^\r]\n/;

/** Token characters (RFC 9110 §5.6.2), by char code. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  TCHAR[c.charCodeAt(0)] = 1;
}

// header kinds the parser acts on
/** `Transfer-Encoding` whose last coding is chunked (RFC 9112 §6.3). */
const CHUNKED_LAST = /(^|,)[ \t]*chunked[ \t]*$/i;
/** A `Content-Length` value: digits only, bounded so it stays an exact number. */
const CONTENT_LENGTH = /^\d{1,15}$/;

const K_HOP = 1;
const K_CONNECTION = 2;
const K_UPGRADE = 3;
const K_SRC = 4;
const K_TE = 5;
const K_CL = 6;
const K_HOST = 7;
const K_EXPECT = 8;

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
function interesting(h: string, pos: number, len: number): number {
  if (len >= 32 || KIND_LENGTHS[len] === 0) return 0;
  const c = h.charCodeAt(pos) | 0x20;
  // c, k, p, t, u, w, h, e: the first letters of the names above
  if (c !== 99 && c !== 107 && c !== 112 && c !== 116 && c !== 117 && c !== 119 && c !== 104 && c !== 101)
    return 0;
  return KINDS.get(h.slice(pos, pos + len).toLowerCase()) ?? 0;
}

/** `readHeaderFields` flags: the head has a Transfer-Encoding, and its last coding is chunked. */
export const TE_SEEN = 1;
export const TE_CHUNKED_LAST = 2;

/**
 * Reads the header fields of head `h` from `pos` (after the start line) into the parser:
 * hop-by-hop ranges, Connection options, Upgrade, the mesh header, Content-Length, Host,
 * Expect. Returns `TE_SEEN`/`TE_CHUNKED_LAST` flags for framing, or -1 after failing the
 * parser (400 or 431 for requests, 502 for responses).
 */
export function readHeaderFields(p: Http1Parser, h: string, pos: number): number {
  let teSeen = false;
  let teChunkedLast = false;
  let hostSeen = false;
  let fields = 0;
  let connTokens: string[] | null = null;
  const stop = h.length - 2;
  const bad = p.isRequest ? 400 : 502;
  // one native pass for forbidden bytes: control characters, and CR or LF not in a CRLF pair
  if (BAD_HEAD.test(h)) return p.fail(bad, 'control character or bare CR/LF in head');
  while (pos < stop) {
    if (++fields > MAX_HEADER_FIELDS)
      return p.fail(p.isRequest ? 431 : 502, `more than ${MAX_HEADER_FIELDS} header fields`);
    const eol = h.indexOf('\r\n', pos);
    const colon = h.indexOf(':', pos);
    if (colon < 0 || colon > eol) return p.fail(bad, 'header line without colon');
    const len = colon - pos;
    // the name must be a token (RFC 9110 §5.1): no whitespace before the colon, no delimiters
    for (let k = pos; k < colon; k++) {
      if (!TCHAR[h.charCodeAt(k)]) return p.fail(bad, 'bad header name');
    }
    if (len === 0) return p.fail(bad, 'empty header name');
    // only the names the proxy acts on are sliced and compared
    const kind = interesting(h, pos, len);
    if (kind !== 0) {
      const value = trimOws(h.slice(colon + 1, eol));
      if (kind === K_CONNECTION) {
        p.hopRanges.push(pos, eol + 2);
        for (const t of value.split(',')) {
          const tok = trimOws(t).toLowerCase();
          if (tok === 'close') p.connClose = true;
          else if (tok === 'keep-alive') p.connKeepAlive = true;
          else if (tok.length > 0) {
            connTokens ??= [];
            connTokens.push(tok);
          }
        }
      } else if (kind === K_HOP) {
        p.hopRanges.push(pos, eol + 2);
      } else if (kind === K_UPGRADE) {
        p.hopRanges.push(pos, eol + 2);
        p.upgrade = true;
      } else if (kind === K_SRC) {
        p.hopRanges.push(pos, eol + 2);
        p.src = value;
      } else if (kind === K_TE) {
        // llhttp refuses a tab after the last coding; so do we, rather than read it otherwise
        if (h.charCodeAt(eol - 1) === 9) return p.fail(bad, 'tab at the end of transfer-encoding');
        teSeen = true;
        teChunkedLast = CHUNKED_LAST.test(value);
      } else if (kind === K_CL) {
        if (h.charCodeAt(eol - 1) === 9) return p.fail(bad, 'tab at the end of content-length');
        if (!CONTENT_LENGTH.test(value)) return p.fail(bad, 'bad content-length');
        const n = Number(value);
        if (p.contentLength >= 0 && p.contentLength !== n) {
          return p.fail(bad, 'conflicting content-length');
        }
        p.contentLength = n;
      } else if (kind === K_HOST) {
        // an empty Host counts too: `Host:` then `Host: evil` is two Hosts
        if (hostSeen) return p.fail(400, 'more than one host header');
        hostSeen = true;
        p.host = value;
      } else if (kind === K_EXPECT) {
        p.expectContinue = value.toLowerCase() === '100-continue';
      }
    }
    pos = eol + 2;
  }

  // headers the Connection header names are hop-by-hop too
  if (connTokens !== null) {
    p.upgrade = p.upgrade && connTokens.includes('upgrade');
    for (const n of connTokens) if (!HOP_BY_HOP.has(n)) p.dropHeader(n);
  } else {
    p.upgrade = false;
  }
  return (teSeen ? TE_SEEN : 0) | (teChunkedLast ? TE_CHUNKED_LAST : 0);
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
