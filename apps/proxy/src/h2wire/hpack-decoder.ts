/**
 * HPACK decoder (RFC 7541): turns one complete header block into (name, value) string
 * pairs, keeping the dynamic table in step with the peer's encoder. Bounded: the table by
 * our SETTINGS_HEADER_TABLE_SIZE (a larger size update is a COMPRESSION_ERROR), each
 * string and the whole list by the maximum header list size (past it: ENHANCE_YOUR_CALM,
 * a connection error, since the table is then out of step). Any malformed or truncated
 * representation is a COMPRESSION_ERROR. Strings are latin1, as node:http2 gives them.
 */

import { COMPRESSION_ERROR, ENHANCE_YOUR_CALM, H2Error } from './errors.ts';
import { cursor, readInteger, readString } from './hpack-primitives.ts';
import { STATIC_LENGTH, STATIC_NAMES, STATIC_VALUES } from './hpack-static.ts';
import { DynamicTable, ENTRY_OVERHEAD } from './hpack-table.ts';

export interface HpackDecoderOptions {
  /** Our SETTINGS_HEADER_TABLE_SIZE: the largest dynamic table the peer may use (default 4096). */
  maxTableSize?: number;
  /** Largest header list accepted, counted as RFC 9113 counts it (default 65536). */
  maxHeaderListSize?: number;
}

export class HpackDecoder {
  readonly table: DynamicTable;
  readonly maxHeaderListSize: number;
  /** Pair ordinals (0 = first pair of the block) the last `decode` saw as never-indexed. */
  readonly neverIndexed: number[] = [];
  private readonly scratch: Buffer;

  constructor(options: HpackDecoderOptions = {}) {
    this.table = new DynamicTable(options.maxTableSize ?? 4096);
    this.maxHeaderListSize = options.maxHeaderListSize ?? 65536;
    // a Huffman string decodes to at most 8/5 of its length; longer results are refused anyway
    this.scratch = Buffer.allocUnsafe(this.maxHeaderListSize + 8);
  }

  /** Decodes `block[start..end)`, appending name, value, name, value... to `out`. */
  decode(block: Buffer, start: number, end: number, out: string[]): void {
    const table = this.table;
    const limit = this.maxHeaderListSize;
    this.neverIndexed.length = 0;
    let listSize = 0;
    let pairs = 0;
    let pos = start;
    while (pos < end) {
      const b = block[pos] as number;
      let name: string;
      let value: string;
      if (b & 0x80) {
        // indexed field
        const index = readInteger(block, pos, end, 7);
        pos = cursor.pos;
        if (index === 0) throw new H2Error(COMPRESSION_ERROR, 'indexed field with index 0');
        if (index <= STATIC_LENGTH) {
          name = STATIC_NAMES[index] as string;
          value = STATIC_VALUES[index] as string;
        } else {
          const rel = index - STATIC_LENGTH;
          if (rel > table.count) throw new H2Error(COMPRESSION_ERROR, `index ${index} past the tables`);
          name = table.name(rel);
          value = table.value(rel);
        }
      } else if ((b & 0xe0) === 0x20) {
        // dynamic table size update: only before the block's first field
        const size = readInteger(block, pos, end, 5);
        pos = cursor.pos;
        if (pairs > 0) throw new H2Error(COMPRESSION_ERROR, 'table size update after a field');
        if (size > table.limit)
          throw new H2Error(COMPRESSION_ERROR, `table size update to ${size} past ${table.limit}`);
        table.resize(size);
        continue;
      } else {
        // literal: with incremental indexing (01), never indexed (0001) or without indexing (0000)
        const indexing = (b & 0xc0) === 0x40;
        const index = readInteger(block, pos, end, indexing ? 6 : 4);
        pos = cursor.pos;
        if (index === 0) {
          name = readString(block, pos, end, this.scratch, limit);
          pos = cursor.pos;
        } else if (index <= STATIC_LENGTH) {
          name = STATIC_NAMES[index] as string;
        } else {
          const rel = index - STATIC_LENGTH;
          if (rel > table.count) throw new H2Error(COMPRESSION_ERROR, `name index ${index} past the tables`);
          name = table.name(rel);
        }
        value = readString(block, pos, end, this.scratch, limit);
        pos = cursor.pos;
        if (indexing) table.add(name, value);
        else if (b & 0x10) this.neverIndexed.push(pairs);
      }
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      if (listSize > limit) throw new H2Error(ENHANCE_YOUR_CALM, `header list larger than ${limit} octets`);
      out.push(name, value);
      pairs++;
    }
  }
}
