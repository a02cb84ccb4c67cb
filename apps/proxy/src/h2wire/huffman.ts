/**
 * HPACK Huffman coding (RFC 7541 section 5.2). Decoding walks a table built once from the
 * code (huffman-table.ts) four bits at a time: each entry gives the next state, the symbol
 * emitted (the shortest code is 5 bits, so at most one per nibble) and whether the walk
 * hit EOS. A string ends validly only on a state reached from a symbol boundary by at
 * most 7 one-bits (the padding); anything else is a COMPRESSION_ERROR.
 */

import { COMPRESSION_ERROR, H2Error } from './errors.ts';
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from './huffman-table.ts';

const EOS = 256;
/** Flags in `NIBBLE_FLAGS`. */
const EMITS = 1;
const FAILS = 2;

/** The decoding tables: per tree node whether a string may end there, per (node, nibble) the step. */
interface DecodeTables {
  readonly ACCEPTS: Uint8Array;
  readonly NIBBLE_NEXT: Uint16Array;
  readonly NIBBLE_SYM: Uint8Array;
  readonly NIBBLE_FLAGS: Uint8Array;
}

/**
 * Built on the first decode, not at load: a proxy that never speaks HTTP/2 does not pay for
 * them, and a loop this hot at a bundle's top level got the whole bundle's top-level
 * function compiled by V8's baseline compiler (about 370 KB of an idle proxy's memory).
 */
let tables: DecodeTables | null = null;

function buildTables(): DecodeTables {
  /** Internal nodes of the decoding tree: children as node index (>= 0) or ~symbol (< 0). */
  const tree: number[] = [0, 0];
  let treeNodes = 1;
  for (let sym = 0; sym <= EOS; sym++) {
    const code = HUFFMAN_CODES[sym] as number;
    const len = HUFFMAN_LENGTHS[sym] as number;
    let node = 0;
    for (let i = len - 1; i > 0; i--) {
      const slot = node * 2 + ((code >>> i) & 1);
      if (tree[slot] === 0) {
        tree[slot] = treeNodes++;
        tree.push(0, 0);
      }
      node = tree[slot] as number;
    }
    tree[node * 2 + (code & 1)] = ~sym;
  }

  /** Per node: may a string end here (padding of at most 7 one-bits, or a symbol boundary)? */
  const ACCEPTS = new Uint8Array(treeNodes);
  {
    ACCEPTS[0] = 1;
    let node = 0;
    for (let depth = 1; depth <= 7; depth++) {
      node = tree[node * 2 + 1] as number;
      ACCEPTS[node] = 1;
    }
  }

  /** Per (node, nibble): next node, symbol emitted and flags. */
  const NIBBLE_NEXT = new Uint16Array(treeNodes * 16);
  const NIBBLE_SYM = new Uint8Array(treeNodes * 16);
  const NIBBLE_FLAGS = new Uint8Array(treeNodes * 16);
  for (let start = 0; start < treeNodes; start++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = start;
      let flags = 0;
      let sym = 0;
      for (let i = 3; i >= 0; i--) {
        const child = tree[node * 2 + ((nibble >>> i) & 1)] as number;
        if (child >= 0) {
          node = child;
          continue;
        }
        if (~child === EOS) flags |= FAILS;
        else {
          flags |= EMITS;
          sym = ~child;
        }
        node = 0;
      }
      const k = start * 16 + nibble;
      NIBBLE_NEXT[k] = node;
      NIBBLE_SYM[k] = sym;
      NIBBLE_FLAGS[k] = flags;
    }
  }
  return { ACCEPTS, NIBBLE_NEXT, NIBBLE_SYM, NIBBLE_FLAGS };
}

/**
 * Decodes `src[start..end)` into `out` from offset 0 and returns the number of bytes
 * written; throws if the output would not fit in `out`, on EOS in the data, or on padding
 * that is not a prefix of EOS of at most 7 bits.
 */
export function huffmanDecode(src: Uint8Array, start: number, end: number, out: Uint8Array): number {
  if (tables === null) tables = buildTables();
  const { ACCEPTS, NIBBLE_NEXT, NIBBLE_SYM, NIBBLE_FLAGS } = tables;
  let node = 0;
  let n = 0;
  const cap = out.length;
  for (let i = start; i < end; i++) {
    const byte = src[i] as number;
    let k = node * 16 + (byte >>> 4);
    let flags = NIBBLE_FLAGS[k] as number;
    if (flags !== 0) {
      if (flags & FAILS) throw new H2Error(COMPRESSION_ERROR, 'EOS inside a Huffman-coded string');
      if (n === cap) throw new H2Error(COMPRESSION_ERROR, 'Huffman-coded string too long');
      out[n++] = NIBBLE_SYM[k] as number;
    }
    node = NIBBLE_NEXT[k] as number;
    k = node * 16 + (byte & 15);
    flags = NIBBLE_FLAGS[k] as number;
    if (flags !== 0) {
      if (flags & FAILS) throw new H2Error(COMPRESSION_ERROR, 'EOS inside a Huffman-coded string');
      if (n === cap) throw new H2Error(COMPRESSION_ERROR, 'Huffman-coded string too long');
      out[n++] = NIBBLE_SYM[k] as number;
    }
    node = NIBBLE_NEXT[k] as number;
  }
  if (ACCEPTS[node] !== 1)
    throw new H2Error(COMPRESSION_ERROR, 'bad padding at the end of a Huffman-coded string');
  return n;
}

/** Length in bytes of the Huffman coding of the latin1 string `s`. */
export function huffmanLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += HUFFMAN_LENGTHS[s.charCodeAt(i) & 0xff] as number;
  return (bits + 7) >>> 3;
}

const POW2: number[] = Array.from({ length: 41 }, (_, i) => 2 ** i);

/** Writes the Huffman coding of the latin1 string `s` at `out[at]`; returns the offset after it. */
export function huffmanEncode(s: string, out: Uint8Array, at: number): number {
  // up to 7 pending bits plus a 30-bit code: kept in a double, exact below 2^53
  let acc = 0;
  let bits = 0;
  let p = at;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    const len = HUFFMAN_LENGTHS[c] as number;
    acc = acc * (POW2[len] as number) + (HUFFMAN_CODES[c] as number);
    bits += len;
    while (bits >= 8) {
      bits -= 8;
      const scale = POW2[bits] as number;
      const b = Math.floor(acc / scale);
      out[p++] = b;
      acc -= b * scale;
    }
  }
  if (bits > 0) out[p++] = ((acc << (8 - bits)) | (0xff >>> bits)) & 0xff;
  return p;
}
