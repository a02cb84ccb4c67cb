/**
 * Chunked body framing (RFC 9112 §7.1) for the HTTP/1 parser: finds where a chunked body
 * ends in the input, checking each chunk-size line, the CRLF after each chunk's data and
 * the trailer lines, without copying the body (the parser hands it on as slices). The
 * framing state lives in the parser's fields; these are plain functions of the parser.
 */
import { isFieldLine } from './header-fields.ts';
import type { Http1Parser } from './parser.ts';
import { BODY_CHUNK_DATA, BODY_CHUNK_DATA_END, BODY_CHUNK_SIZE, HEAD, TRAILERS } from './parser-states.ts';

const MAX_CHUNK_LINE = 4096;
const MAX_TRAILERS = 32 * 1024;

/**
 * A chunk-size line without its CRLF (RFC 9112 §7.1): hex size (at most 12 digits, so
 * it stays exact), then extensions `;name[=token|"quoted"]`, without blanks (llhttp
 * refuses them, so an app behind us would read the line differently).
 */
const CHUNK_LINE =
  /^([0-9A-Fa-f]{1,12})(?:;[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:=(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t !#-[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"))?)*$/;

/** Puts the parser at the start of a chunk-size line. */
export function startChunked(p: Http1Parser): void {
  p.state = BODY_CHUNK_SIZE;
  p.chunkSize = 0;
  p.lineBytes = 0;
  p.chunkLine = '';
  p.crPending = false;
}

/** Advances through chunked framing; returns the offset reached, or -1 on error. */
export function frameChunked(p: Http1Parser, buf: Buffer, i: number): number {
  const len = buf.length;
  const bad = p.isRequest ? 400 : 502;
  // imported bindings are read through their module cells at each use: once here, not per byte
  const CHUNK_DATA = BODY_CHUNK_DATA;
  const CHUNK_SIZE = BODY_CHUNK_SIZE;
  const CHUNK_DATA_END = BODY_CHUNK_DATA_END;
  while (i < len) {
    const st = p.state;
    if (st === CHUNK_DATA) {
      const n = Math.min(p.remaining, len - i);
      p.remaining -= n;
      i += n;
      if (p.remaining === 0) {
        p.state = BODY_CHUNK_DATA_END;
        p.lineBytes = 0;
      }
    } else if (st === CHUNK_SIZE) {
      const c = buf[i++] as number;
      if (++p.lineBytes > MAX_CHUNK_LINE) return p.fail(bad, 'chunk size line too long');
      if (p.crPending) {
        if (c !== 10) return p.fail(bad, 'CR not followed by LF in chunk size line');
        p.crPending = false;
        const m = CHUNK_LINE.exec(p.chunkLine);
        if (m === null) return p.fail(bad, 'bad chunk size line');
        p.chunkSize = Number.parseInt(m[1] as string, 16);
        if (p.chunkSize === 0) {
          p.state = TRAILERS;
          p.trailerBytes = 0;
          p.trailerLineLen = 0;
          p.trailerLine = '';
        } else {
          p.state = BODY_CHUNK_DATA;
          p.remaining = p.chunkSize;
        }
      } else if (c === 13) {
        p.crPending = true;
      } else if (c === 10) {
        return p.fail(bad, 'chunk size line ends with a bare LF');
      } else {
        p.chunkLine += String.fromCharCode(c);
      }
    } else if (st === CHUNK_DATA_END) {
      // exactly CRLF after the chunk's data
      const c = buf[i++] as number;
      if (p.lineBytes === 0 && c === 13) p.lineBytes = 1;
      else if (p.lineBytes === 1 && c === 10) startChunked(p);
      else return p.fail(bad, 'missing CRLF after chunk');
    } else {
      // TRAILERS: header field lines, each ending in CRLF, until an empty one
      const c = buf[i++] as number;
      if (++p.trailerBytes > MAX_TRAILERS) return p.fail(bad, 'trailers too large');
      if (p.crPending) {
        if (c !== 10) return p.fail(bad, 'CR not followed by LF in trailers');
        p.crPending = false;
        if (p.trailerLineLen === 0) {
          p.state = HEAD;
          return i;
        }
        if (!isFieldLine(p.trailerLine)) return p.fail(bad, 'trailer line is not a header field');
        p.trailerLineLen = 0;
        p.trailerLine = '';
      } else if (c === 13) {
        p.crPending = true;
      } else if (c === 10) {
        return p.fail(bad, 'trailer line ends with a bare LF');
      } else {
        p.trailerLineLen++;
        p.trailerLine += String.fromCharCode(c);
      }
    }
  }
  return i;
}
