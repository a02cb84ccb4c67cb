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
 *
 * The parts by job: the start line (start-line.ts), header fields (header-fields.ts),
 * chunked body framing (chunked.ts), the states (parser-states.ts); this file is the state
 * machine that reads heads and frames bodies with them.
 */

import { frameChunked, startChunked } from './chunked.ts';
import { readHeaderFields, TE_CHUNKED_LAST, TE_SEEN, trimOws } from './header-fields.ts';
import { BODY_EOF, BODY_LENGTH, DEAD, HEAD } from './parser-states.ts';
import { readRequestLine, readStatusLine } from './start-line.ts';

export { headerBlock, MAX_HEADER_FIELDS, SRC_HEADER } from './header-fields.ts';
export { isIdempotent, startLineOf } from './start-line.ts';

/** Largest head (request/status line plus headers) accepted, in bytes. */
export const MAX_HEAD_BYTES = 32 * 1024;

/** Callbacks of the parser's owner (a server or client connection). */
export interface ParserOwner {
  /** A head is parsed and in the parser's fields. `false` stops `execute` right after it. */
  onHead(p: Http1Parser): boolean;
  /** Raw body bytes (framing included), a slice of the input. */
  onBody(chunk: Buffer): void;
  /** The message ended. `false` stops `execute` (the next message stays unread). */
  onMessageEnd(p: Http1Parser): boolean;
}

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

  // --- body framing (chunked.ts reads and writes these too) ---
  remaining = 0;
  lineBytes = 0;
  chunkSize = 0;
  /** The chunk-size line read so far (latin1), checked when its CRLF arrives. */
  chunkLine = '';
  /** A CR was read in framing; the next byte must be LF. */
  crPending = false;
  /** The trailer line read so far (latin1), checked as a header field when it ends. */
  trailerLine = '';
  trailerBytes = 0;
  trailerLineLen = 0;
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
      i = frameChunked(this, buf, i);
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

  /** Fails the parser (state DEAD, the status and message to report); returns -1. */
  fail(status: number, message: string): number {
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
    const lineEnd = h.indexOf('\r\n');
    const line = h.slice(0, lineEnd);
    if (!(this.isRequest ? readRequestLine(this, line) : readStatusLine(this, line))) return false;
    this.headersStart = lineEnd + 2;

    const fields = readHeaderFields(this, h, lineEnd + 2);
    if (fields < 0) return false;
    const teSeen = (fields & TE_SEEN) !== 0;
    const teChunkedLast = (fields & TE_CHUNKED_LAST) !== 0;

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
        startChunked(this);
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
        startChunked(this);
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
}
