/**
 * An incremental HTTP/1.x message parser for a proxy: it parses heads fully (request or
 * status line, headers, framing, hop-by-hop headers) and frames bodies without copying
 * them. Body bytes are handed to the owner as raw slices of the input, chunked framing
 * included, so that they can be forwarded verbatim: the proxy never re-encodes a body.
 *
 * One parser per connection, reused for every message on it. The owner is called back
 * through a fixed interface (no closures); returning `false` from `onHead` or
 * `onMessageEnd` stops `execute`, which then reports how many bytes it consumed.
 *
 * ```
 *  HEAD ──head parsed──▶ BODY_LENGTH ─────────────────────────────┐
 *    ▲                  BODY_CHUNK_SIZE ⇄ BODY_CHUNK_DATA ─▶ TRAILERS ┼─▶ (message end) ─▶ HEAD
 *    │                  BODY_EOF (responses without length: until the connection closes)
 *    └──────────────── no body ───────────────────────────────────┘
 * ```
 */

import { METHODS } from 'node:http';

// === Parser states ===
const HEAD = 0;
const BODY_LENGTH = 1;
const BODY_CHUNK_SIZE = 2;
const BODY_CHUNK_DATA = 3;
const BODY_CHUNK_DATA_END = 4;
const TRAILERS = 5;
const BODY_EOF = 6;
const DEAD = 7;

/** Largest head (request/status line plus headers) accepted, in bytes. */
export const MAX_HEAD_BYTES = 32 * 1024;
const MAX_CHUNK_LINE = 4096;
const MAX_TRAILERS = 32 * 1024;
/** Most header fields in a head (a request past it gets 431). */
export const MAX_HEADER_FIELDS = 100;

/** Callbacks of the parser's owner (a server or client connection). */
export interface ParserOwner {
  /** A head is parsed and in the parser's fields. `false` stops `execute` right after it. */
  onHead(p: Http1Parser): boolean;
  /** Raw body bytes (framing included), a slice of the input. */
  onBody(chunk: Buffer): void;
  /** The message ended. `false` stops `execute` (the next message stays unread). */
  onMessageEnd(p: Http1Parser): boolean;
}

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

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * The methods llhttp (Node's parser, so most apps behind the proxy) knows: anything else
 * is refused with 501 rather than forwarded to an app that would parse it differently.
 */
const KNOWN_METHODS = new Set(METHODS);
/** Absolute-form (RFC 9112 §3.2.2): a scheme (letters, as llhttp takes it), `://`, an authority of URI characters, then a path or query. */
const ABSOLUTE_FORM = /^[A-Za-z]+:\/\/[A-Za-z0-9\-._~!$&'()*+,;=:@%[\]]+(?:[/?].*)?$/;
/** Authority-form (§3.2.3, CONNECT only): host and port. */
const AUTHORITY_FORM = /^(?:\[[0-9A-Fa-f:.]+\]|[^/?#@:[\]]+):\d{1,5}$/;

/** Whether `target` has one of the four request-target forms, and the one `method` allows. */
function validTargetForm(method: string, target: string): boolean {
  if (method === 'CONNECT') return AUTHORITY_FORM.test(target);
  if (target === '*') return method === 'OPTIONS';
  return target.charCodeAt(0) === 47 /* / */ || ABSOLUTE_FORM.test(target);
}
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const BAD_TARGET = /[\x00-\x20\x7f-\xff]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const BAD_HEAD = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?<!\r)\n/;

/** Token characters (RFC 9110 §5.6.2), by char code. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  TCHAR[c.charCodeAt(0)] = 1;
}

// header kinds the parser acts on
/** `Transfer-Encoding` whose last coding is chunked (RFC 9112 §6.3). */
const CHUNKED_LAST = /(^|,)[ \t]*chunked[ \t]*$/i;
/**
 * A chunk-size line without its CRLF (RFC 9112 §7.1): hex size (at most 12 digits, so
 * it stays exact), then extensions `;name[=token|"quoted"]`, without blanks (llhttp
 * refuses them, so an app behind us would read the line differently).
 */
const CHUNK_LINE =
  /^([0-9A-Fa-f]{1,12})(?:;[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:=(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t !#-[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"))?)*$/;
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

const STATUS_LINE = /^HTTP\/1\.[01] \d{3}(?: |$)/;

/** Parses one kind of message (requests or responses) off one connection. */
export class Http1Parser {
  readonly isRequest: boolean;
  owner: ParserOwner;
  state = HEAD;
  /** Why parsing failed: the status to answer (400, 431; 502 for responses). */
  errorStatus = 0;
  errorMessage = '';

  // --- the current head ---
  /** The whole head as latin1, terminating blank line included. */
  head = '';
  /** Offset in `head` where the header lines start (after the start line's CRLF). */
  headersStart = 0;
  method = '';
  target = '';
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  versionMinor = 1;
  status = 0;
  private headerList: string[] | null = null;
  /** Offsets [start, end) in `head` of hop-by-hop header lines, to cut when forwarding. */
  hopRanges: number[] = [];
  contentLength = -1;
  chunked = false;
  connClose = false;
  connKeepAlive = false;
  upgrade = false;
  expectContinue = false;
  host = '';
  src = '';
  /** For a response parser: the request had method HEAD (so no body follows). */
  noBody = false;
  /** A body-less message whose head stopped `execute`: its end is reported by the next call. */
  endPending = false;

  // --- body framing ---
  private remaining = 0;
  private lineBytes = 0;
  private chunkSize = 0;
  /** The chunk-size line read so far (latin1), checked when its CRLF arrives. */
  private chunkLine = '';
  /** A CR was read in framing; the next byte must be LF. */
  private crPending = false;
  /** The trailer line read so far (latin1), checked as a header field when it ends. */
  private trailerLine = '';
  private trailerBytes = 0;
  private trailerLineLen = 0;
  private partial: Buffer | null = null;

  constructor(isRequest: boolean, owner: ParserOwner) {
    this.isRequest = isRequest;
    this.owner = owner;
  }

  /** Header names (lower-case) and values: [n0, v0, n1, v1, ...], built on first use. */
  get headers(): string[] {
    let l = this.headerList;
    if (l === null) {
      l = [];
      const h = this.head;
      let pos = this.headersStart;
      while (pos < h.length - 2) {
        const eol = h.indexOf('\r\n', pos);
        const colon = h.indexOf(':', pos);
        l.push(h.slice(pos, colon).toLowerCase(), trimOws(h.slice(colon + 1, eol)));
        pos = eol + 2;
      }
      this.headerList = l;
    }
    return l;
  }

  /** Whether the parser is between messages (no head started, no body pending). */
  get idle(): boolean {
    return this.state === HEAD && this.partial === null;
  }

  /** Whether a head has started arriving but is not complete. */
  get inHead(): boolean {
    return this.state === HEAD && this.partial !== null;
  }

  /** Whether the body runs until the connection closes. */
  get untilEof(): boolean {
    return this.state === BODY_EOF;
  }

  /**
   * Feeds bytes. Returns the number consumed (less than `buf.length` when the owner
   * stopped it), or -1 on a parse error (`errorStatus`, `errorMessage`).
   */
  execute(buf: Buffer): number {
    const len = buf.length;
    let i = 0;
    if (this.endPending) {
      this.endPending = false;
      if (!this.owner.onMessageEnd(this)) return 0;
    }
    while (i < len) {
      const st = this.state;
      if (st === HEAD) {
        const r = this.readHead(buf, i);
        if (r === -1) return -1;
        if (r === -2) return len; // head incomplete, all buffered
        i = r;
        if (!this.owner.onHead(this)) {
          if (this.state === HEAD) this.endPending = true;
          return i;
        }
        if (this.state === HEAD) {
          if (!this.owner.onMessageEnd(this)) return i;
        }
        continue;
      }
      if (st === BODY_LENGTH) {
        const n = Math.min(this.remaining, len - i);
        this.remaining -= n;
        this.owner.onBody(i === 0 && n === len ? buf : buf.subarray(i, i + n));
        i += n;
        if (this.remaining === 0) {
          this.state = HEAD;
          if (!this.owner.onMessageEnd(this)) return i;
        }
        continue;
      }
      if (st === BODY_EOF) {
        this.owner.onBody(i === 0 ? buf : buf.subarray(i));
        return len;
      }
      if (st === DEAD) return -1;
      // chunked framing: find where this message's body ends within buf
      const start = i;
      i = this.frameChunked(buf, i);
      if (i < 0) return -1;
      if (i > start) this.owner.onBody(start === 0 && i === len ? buf : buf.subarray(start, i));
      if (this.state === HEAD) {
        if (!this.owner.onMessageEnd(this)) return i;
      }
    }
    return len;
  }

  /** The connection closed: ends a body that runs until EOF. Returns whether a message ended cleanly. */
  finish(): boolean {
    if (this.state === BODY_EOF) {
      this.state = HEAD;
      this.owner.onMessageEnd(this);
      return true;
    }
    return this.state === HEAD && this.partial === null;
  }

  // === heads ===

  private fail(status: number, message: string): number {
    this.state = DEAD;
    this.errorStatus = status;
    this.errorMessage = message;
    return -1;
  }

  /** Reads (part of) a head from buf at i: the offset after the head, -2 if incomplete, -1 on error. */
  private readHead(buf: Buffer, i: number): number {
    let data = buf;
    let from = i;
    let searchFrom = i;
    if (this.partial !== null) {
      const prev = this.partial;
      data = Buffer.concat([prev, buf.subarray(i)]);
      searchFrom = Math.max(0, prev.length - 3);
      from = 0;
    } else {
      // tolerate empty lines before a request line (RFC 9112 §2.2)
      while (from < buf.length && (buf[from] === 13 || buf[from] === 10)) from++;
      searchFrom = from;
      if (from === buf.length) return -2;
    }
    const end = data.indexOf('\r\n\r\n', searchFrom, 'latin1');
    if (end < 0) {
      if (data.length - from > MAX_HEAD_BYTES) {
        return this.fail(this.isRequest ? 431 : 502, 'head too large');
      }
      this.partial = from === 0 && data !== buf ? data : Buffer.from(data.subarray(from));
      return -2;
    }
    const headEnd = end + 4;
    if (headEnd - from > MAX_HEAD_BYTES) return this.fail(this.isRequest ? 431 : 502, 'head too large');
    const consumedInBuf = this.partial !== null ? headEnd - this.partial.length + i : headEnd;
    this.partial = null;
    const ok = this.parseHead(data.toString('latin1', from, headEnd));
    if (!ok) return -1;
    return consumedInBuf;
  }

  private parseHead(h: string): boolean {
    this.head = h;
    this.headerList = null;
    this.hopRanges = [];
    this.contentLength = -1;
    this.chunked = false;
    this.connClose = false;
    this.connKeepAlive = false;
    this.upgrade = false;
    this.expectContinue = false;
    this.host = '';
    this.src = '';
    let teSeen = false;
    let teChunkedLast = false;
    let hostSeen = false;
    let fields = 0;
    let connTokens: string[] | null = null;

    const lineEnd = h.indexOf('\r\n');
    const line = h.slice(0, lineEnd);
    if (this.isRequest) {
      const s1 = line.indexOf(' ');
      const s2 = line.indexOf(' ', s1 + 1);
      if (s1 <= 0 || s2 < 0 || line.indexOf(' ', s2 + 1) >= 0) return this.fail(400, 'bad request line') >= 0;
      const method = line.slice(0, s1);
      const target = line.slice(s1 + 1, s2);
      const version = line.slice(s2 + 1);
      if (!TOKEN.test(method)) return this.fail(400, 'bad method') >= 0;
      if (!KNOWN_METHODS.has(method)) return this.fail(501, `method ${method} is not supported`) >= 0;
      if (target.length === 0 || BAD_TARGET.test(target)) return this.fail(400, 'bad request target') >= 0;
      if (!validTargetForm(method, target)) return this.fail(400, 'request target of the wrong form') >= 0;
      if (version === 'HTTP/1.1') this.versionMinor = 1;
      else if (version === 'HTTP/1.0') this.versionMinor = 0;
      else return this.fail(version.startsWith('HTTP/') ? 505 : 400, 'bad HTTP version') >= 0;
      this.method = method;
      this.target = target;
    } else {
      if (!STATUS_LINE.test(line)) return this.fail(502, 'bad status line') >= 0;
      const status = Number(line.slice(9, 12));
      if (status < 100) return this.fail(502, 'bad status code') >= 0;
      this.versionMinor = line.charCodeAt(7) === 49 ? 1 : 0;
      this.status = status;
    }
    this.headersStart = lineEnd + 2;

    let pos = lineEnd + 2;
    const stop = h.length - 2;
    const bad = this.isRequest ? 400 : 502;
    // one native pass for forbidden bytes: control characters, and CR or LF not in a CRLF pair
    if (BAD_HEAD.test(h)) return this.fail(bad, 'control character or bare CR/LF in head') >= 0;
    while (pos < stop) {
      if (++fields > MAX_HEADER_FIELDS)
        return this.fail(this.isRequest ? 431 : 502, `more than ${MAX_HEADER_FIELDS} header fields`) >= 0;
      const eol = h.indexOf('\r\n', pos);
      const colon = h.indexOf(':', pos);
      if (colon < 0 || colon > eol) return this.fail(bad, 'header line without colon') >= 0;
      const len = colon - pos;
      // the name must be a token (RFC 9110 §5.1): no whitespace before the colon, no delimiters
      for (let k = pos; k < colon; k++) {
        if (!TCHAR[h.charCodeAt(k)]) return this.fail(bad, 'bad header name') >= 0;
      }
      if (len === 0) return this.fail(bad, 'empty header name') >= 0;
      // only the names the proxy acts on are sliced and compared
      const kind = interesting(h, pos, len);
      if (kind !== 0) {
        const value = trimOws(h.slice(colon + 1, eol));
        if (kind === K_CONNECTION) {
          this.hopRanges.push(pos, eol + 2);
          for (const t of value.split(',')) {
            const tok = trimOws(t).toLowerCase();
            if (tok === 'close') this.connClose = true;
            else if (tok === 'keep-alive') this.connKeepAlive = true;
            else if (tok.length > 0) {
              connTokens ??= [];
              connTokens.push(tok);
            }
          }
        } else if (kind === K_HOP) {
          this.hopRanges.push(pos, eol + 2);
        } else if (kind === K_UPGRADE) {
          this.hopRanges.push(pos, eol + 2);
          this.upgrade = true;
        } else if (kind === K_SRC) {
          this.hopRanges.push(pos, eol + 2);
          this.src = value;
        } else if (kind === K_TE) {
          // llhttp refuses a tab after the last coding; so do we, rather than read it otherwise
          if (h.charCodeAt(eol - 1) === 9) return this.fail(bad, 'tab at the end of transfer-encoding') >= 0;
          teSeen = true;
          teChunkedLast = CHUNKED_LAST.test(value);
        } else if (kind === K_CL) {
          if (h.charCodeAt(eol - 1) === 9) return this.fail(bad, 'tab at the end of content-length') >= 0;
          if (!CONTENT_LENGTH.test(value)) return this.fail(bad, 'bad content-length') >= 0;
          const n = Number(value);
          if (this.contentLength >= 0 && this.contentLength !== n) {
            return this.fail(bad, 'conflicting content-length') >= 0;
          }
          this.contentLength = n;
        } else if (kind === K_HOST) {
          // an empty Host counts too: `Host:` then `Host: evil` is two Hosts
          if (hostSeen) return this.fail(400, 'more than one host header') >= 0;
          hostSeen = true;
          this.host = value;
        } else if (kind === K_EXPECT) {
          this.expectContinue = value.toLowerCase() === '100-continue';
        }
      }
      pos = eol + 2;
    }

    // headers the Connection header names are hop-by-hop too
    if (connTokens !== null) {
      this.upgrade = this.upgrade && connTokens.includes('upgrade');
      for (const n of connTokens) if (!HOP_BY_HOP.has(n)) this.cutHeader(n);
    } else {
      this.upgrade = false;
    }

    // framing
    if (this.isRequest) {
      if (this.versionMinor === 1 && this.host === '') return this.fail(400, 'missing host header') >= 0;
      // HTTP/1.0 has no Transfer-Encoding (RFC 9112 §6.1): a 1.0 message carrying one is refused
      if (teSeen && this.versionMinor === 0)
        return this.fail(400, 'transfer-encoding in an HTTP/1.0 request') >= 0;
      if (teSeen) {
        if (!teChunkedLast || this.contentLength >= 0) {
          return this.fail(400, 'unsupported transfer-encoding') >= 0;
        }
        this.chunked = true;
        this.startChunked();
      } else if (this.contentLength > 0) {
        this.state = BODY_LENGTH;
        this.remaining = this.contentLength;
      } else {
        this.state = HEAD;
      }
      return true;
    }
    const s = this.status;
    // Both framings: the two ends could disagree on where the body stops (response
    // splitting), so such a response is not passed on at all (RFC 9112 §6.3).
    if (teSeen && this.contentLength >= 0)
      return this.fail(502, 'response has both content-length and transfer-encoding') >= 0;
    if (this.noBody || s < 200 || s === 204 || s === 304) {
      this.state = HEAD;
    } else if (teSeen) {
      if (teChunkedLast) {
        this.chunked = true;
        this.contentLength = -1;
        this.startChunked();
      } else {
        this.state = BODY_EOF;
      }
    } else if (this.contentLength >= 0) {
      if (this.contentLength > 0) {
        this.state = BODY_LENGTH;
        this.remaining = this.contentLength;
      } else {
        this.state = HEAD;
      }
    } else {
      this.state = BODY_EOF;
    }
    return true;
  }

  /** Leaves every line of header `name` (lower-case) out of what is forwarded. */
  dropHeader(name: string): void {
    this.cutHeader(name);
  }

  /** Marks every line of header `name` as hop-by-hop (named by Connection). */
  private cutHeader(name: string): void {
    const h = this.head;
    let pos = this.headersStart;
    while (pos < h.length - 2) {
      const eol = h.indexOf('\r\n', pos);
      const colon = h.indexOf(':', pos);
      if (h.slice(pos, colon).toLowerCase() === name) this.hopRanges.push(pos, eol + 2);
      pos = eol + 2;
    }
    // keep ranges ordered for slicing
    const pairs: [number, number][] = [];
    for (let k = 0; k < this.hopRanges.length; k += 2) {
      pairs.push([this.hopRanges[k] as number, this.hopRanges[k + 1] as number]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    this.hopRanges = pairs.flat();
  }

  // === chunked bodies ===

  private startChunked(): void {
    this.state = BODY_CHUNK_SIZE;
    this.chunkSize = 0;
    this.lineBytes = 0;
    this.chunkLine = '';
    this.crPending = false;
  }

  /** Advances through chunked framing; returns the offset reached, or -1 on error. */
  private frameChunked(buf: Buffer, i: number): number {
    const len = buf.length;
    const bad = this.isRequest ? 400 : 502;
    while (i < len) {
      const st = this.state;
      if (st === BODY_CHUNK_DATA) {
        const n = Math.min(this.remaining, len - i);
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) {
          this.state = BODY_CHUNK_DATA_END;
          this.lineBytes = 0;
        }
      } else if (st === BODY_CHUNK_SIZE) {
        const c = buf[i++] as number;
        if (++this.lineBytes > MAX_CHUNK_LINE) return this.fail(bad, 'chunk size line too long');
        if (this.crPending) {
          if (c !== 10) return this.fail(bad, 'CR not followed by LF in chunk size line');
          this.crPending = false;
          const m = CHUNK_LINE.exec(this.chunkLine);
          if (m === null) return this.fail(bad, 'bad chunk size line');
          this.chunkSize = Number.parseInt(m[1] as string, 16);
          if (this.chunkSize === 0) {
            this.state = TRAILERS;
            this.trailerBytes = 0;
            this.trailerLineLen = 0;
            this.trailerLine = '';
          } else {
            this.state = BODY_CHUNK_DATA;
            this.remaining = this.chunkSize;
          }
        } else if (c === 13) {
          this.crPending = true;
        } else if (c === 10) {
          return this.fail(bad, 'chunk size line ends with a bare LF');
        } else {
          this.chunkLine += String.fromCharCode(c);
        }
      } else if (st === BODY_CHUNK_DATA_END) {
        // exactly CRLF after the chunk's data
        const c = buf[i++] as number;
        if (this.lineBytes === 0 && c === 13) this.lineBytes = 1;
        else if (this.lineBytes === 1 && c === 10) this.startChunked();
        else return this.fail(bad, 'missing CRLF after chunk');
      } else {
        // TRAILERS: header field lines, each ending in CRLF, until an empty one
        const c = buf[i++] as number;
        if (++this.trailerBytes > MAX_TRAILERS) return this.fail(bad, 'trailers too large');
        if (this.crPending) {
          if (c !== 10) return this.fail(bad, 'CR not followed by LF in trailers');
          this.crPending = false;
          if (this.trailerLineLen === 0) {
            this.state = HEAD;
            return i;
          }
          if (!isFieldLine(this.trailerLine)) return this.fail(bad, 'trailer line is not a header field');
          this.trailerLineLen = 0;
          this.trailerLine = '';
        } else if (c === 13) {
          this.crPending = true;
        } else if (c === 10) {
          return this.fail(bad, 'trailer line ends with a bare LF');
        } else {
          this.trailerLineLen++;
          this.trailerLine += String.fromCharCode(c);
        }
      }
    }
    return i;
  }
}

/**
 * A field value without its optional whitespace (RFC 9110 §5.6.3: SP and HTAB only). Not
 * `String.prototype.trim`, which also strips NBSP (0xA0) and would turn
 * `Content-Length: 3<NBSP>` into 3 where llhttp refuses it.
 */
function trimOws(v: string): string {
  let a = 0;
  let b = v.length;
  while (a < b && (v.charCodeAt(a) === 32 || v.charCodeAt(a) === 9)) a++;
  while (b > a && (v.charCodeAt(b - 1) === 32 || v.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === v.length ? v : v.slice(a, b);
}

/** Whether a line is a header field: a token name, a colon, a value without control characters but HTAB. */
function isFieldLine(line: string): boolean {
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

/** The start line of the parsed head, with its CRLF. */
export function startLineOf(p: Http1Parser): string {
  return p.head.slice(0, p.headersStart);
}

/** Whether a method is idempotent (RFC 9110 §9.2.2): such requests may be retried. */
export function isIdempotent(method: string): boolean {
  return (
    method === 'GET' ||
    method === 'HEAD' ||
    method === 'OPTIONS' ||
    method === 'PUT' ||
    method === 'DELETE' ||
    method === 'TRACE'
  );
}
