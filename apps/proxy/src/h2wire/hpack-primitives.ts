/**
 * HPACK primitive types (RFC 7541 section 5): prefixed integers and string literals, read
 * from and written into byte arrays. Reads are bounded: an integer past 2^28 or a literal
 * past the caller's limit is a COMPRESSION_ERROR, as is any representation cut short.
 */

import { COMPRESSION_ERROR, H2Error } from './errors.ts';
import { huffmanDecode, huffmanEncode, huffmanLength } from './huffman.ts';

/** Largest integer accepted: far above any table size or string length we allow. */
export const MAX_INTEGER = 2 ** 28;

/** Where the last `readInteger`/`readString` stopped (one shared cursor: no result objects). */
export const cursor = { pos: 0 };

/** Reads an integer with an N-bit prefix starting at `src[pos]`; `cursor.pos` moves past it. */
export function readInteger(src: Uint8Array, pos: number, end: number, prefixBits: number): number {
  if (pos >= end) throw new H2Error(COMPRESSION_ERROR, 'header block cut inside an integer');
  const max = (1 << prefixBits) - 1;
  let value = (src[pos++] as number) & max;
  if (value < max) {
    cursor.pos = pos;
    return value;
  }
  let shift = 0;
  for (;;) {
    if (pos >= end) throw new H2Error(COMPRESSION_ERROR, 'header block cut inside an integer');
    const b = src[pos++] as number;
    value += (b & 0x7f) * 2 ** shift;
    if (value > MAX_INTEGER) throw new H2Error(COMPRESSION_ERROR, 'integer too large');
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  cursor.pos = pos;
  return value;
}

/**
 * Reads a string literal at `src[pos]` as latin1 (Huffman-decoded through `scratch` when
 * flagged); `cursor.pos` moves past it. Strings longer than `maxLength` bytes are refused.
 */
export function readString(
  src: Buffer,
  pos: number,
  end: number,
  scratch: Buffer,
  maxLength: number,
): string {
  if (pos >= end) throw new H2Error(COMPRESSION_ERROR, 'header block cut before a string');
  const huffman = ((src[pos] as number) & 0x80) !== 0;
  const len = readInteger(src, pos, end, 7);
  const start = cursor.pos;
  if (len > end - start) throw new H2Error(COMPRESSION_ERROR, 'string literal runs past the header block');
  if (len > maxLength) throw new H2Error(COMPRESSION_ERROR, 'string literal too long');
  cursor.pos = start + len;
  if (!huffman) return src.toString('latin1', start, start + len);
  const n = huffmanDecode(src, start, start + len, scratch);
  if (n > maxLength) throw new H2Error(COMPRESSION_ERROR, 'string literal too long');
  return scratch.toString('latin1', 0, n);
}

/** Writes `value` with an N-bit prefix at `out[at]`, the first byte's high bits set to `high`. */
export function writeInteger(
  out: Uint8Array,
  at: number,
  prefixBits: number,
  high: number,
  value: number,
): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out[at++] = high | value;
    return at;
  }
  out[at++] = high | max;
  let rest = value - max;
  while (rest >= 128) {
    out[at++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[at++] = rest;
  return at;
}

/** Bytes `writeString` needs at most for `s` (raw length plus the length prefix). */
export function stringBound(s: string): number {
  return s.length + 6;
}

/** Writes `s` (latin1) as a string literal, Huffman-coded when that is shorter. */
export function writeString(out: Buffer, at: number, s: string): number {
  const hl = huffmanLength(s);
  if (hl < s.length) {
    at = writeInteger(out, at, 7, 0x80, hl);
    return huffmanEncode(s, out, at);
  }
  at = writeInteger(out, at, 7, 0, s.length);
  return at + out.write(s, at, s.length, 'latin1');
}
