/**
 * Strips chunked framing (RFC 9112 §7.1) from a body the HTTP/1 parser already checked,
 * for the inbound half of HTTP/1 over HTTP/2: the app's chunked response body leaves as
 * plain h2 DATA, its trailer section as an h2 trailers block. Raw slices in (framing
 * included, as the parser hands them on), data slices out (views, not copies).
 */

const SIZE = 0;
const EXT = 1;
const DATA = 2;
const DATA_END = 3;
const TRAILERS = 4;
const DONE = 5;

/** Most trailer bytes kept (the parser refuses more). */
const MAX_TRAILERS = 32 * 1024;

/** Who gets the data of a chunked body. */
export interface DechunkOwner {
  onDechunked(slice: Buffer): void;
}

export class Dechunker {
  private state = SIZE;
  private size = 0;
  private remaining = 0;
  /** The trailer section so far (latin1 lines with their CRLF, the blank line excluded). */
  trailers = '';
  private line = '';

  reset(): void {
    this.state = SIZE;
    this.size = 0;
    this.remaining = 0;
    this.trailers = '';
    this.line = '';
  }

  /** Hands `out` each run of data bytes in `buf`. */
  feed(buf: Buffer, out: DechunkOwner): void {
    let i = 0;
    const n = buf.length;
    while (i < n) {
      const st = this.state;
      if (st === DATA) {
        const k = Math.min(this.remaining, n - i);
        out.onDechunked(k === n ? buf : buf.subarray(i, i + k));
        i += k;
        this.remaining -= k;
        if (this.remaining === 0) this.state = DATA_END;
        continue;
      }
      const c = buf[i++] as number;
      if (st === SIZE) {
        if (c === 10) this.lineEnd();
        else if (c === 59 /* ; */) this.state = EXT;
        else if (c !== 13) this.size = this.size * 16 + hex(c);
      } else if (st === EXT) {
        if (c === 10) this.lineEnd();
      } else if (st === DATA_END) {
        if (c === 10) this.state = SIZE;
      } else if (st === TRAILERS) {
        if (c === 10) {
          if (this.line === '') this.state = DONE;
          else {
            if (this.trailers.length < MAX_TRAILERS) this.trailers += `${this.line}\r\n`;
            this.line = '';
          }
        } else if (c !== 13) this.line += String.fromCharCode(c);
      }
    }
  }

  private lineEnd(): void {
    if (this.size === 0) this.state = TRAILERS;
    else {
      this.state = DATA;
      this.remaining = this.size;
      this.size = 0;
    }
  }
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  return (c | 0x20) - 87;
}

/** h2 trailer fields of a trailer section (`name: value\r\n` lines), names lower-cased. */
export function trailerFields(section: string): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < section.length) {
    const eol = section.indexOf('\r\n', pos);
    const colon = section.indexOf(':', pos);
    if (colon > pos && colon < eol)
      out.push(section.slice(pos, colon).toLowerCase(), section.slice(colon + 1, eol).trim());
    pos = eol + 2;
  }
  return out;
}
