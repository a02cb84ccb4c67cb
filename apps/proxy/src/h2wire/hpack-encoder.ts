/**
 * HPACK encoder (RFC 7541): writes (name, value) pairs as a header block. Exact matches in
 * the static or dynamic table become one index; other fields are literals with incremental
 * indexing, except values that change with every message (NOT_INDEXED) and entries too big
 * for the table, sent without indexing, and credentials and the pairs the caller marks
 * (those a peer sent as never-indexed, RFC 7541 section 7.1.3), sent never-indexed. Strings
 * are Huffman-coded when that is shorter. The dynamic table is capped at `limit` octets
 * whatever the peer allows; a change of the peer's SETTINGS_HEADER_TABLE_SIZE is announced
 * with size updates at the start of the next block.
 */

import { writeInteger, writeString } from './hpack-primitives.ts';
import { STATIC_LENGTH, STATIC_NAME_INDEX, STATIC_PAIR_INDEX } from './hpack-static.ts';
import { DynamicTable, ENTRY_OVERHEAD } from './hpack-table.ts';

/** Names whose values differ between messages: indexing them would only churn the table. */
const NOT_INDEXED = new Set([
  'content-length',
  'etag',
  'age',
  'if-modified-since',
  'if-none-match',
  'last-modified',
  'location',
  'set-cookie',
  'x-request-id',
]);

/** Names always sent never-indexed. */
const SENSITIVE = new Set(['authorization', 'proxy-authorization']);

/** The encoder's table also keeps an index from (name, value) and name to absolute ids. */
class IndexedTable extends DynamicTable {
  readonly pairs = new Map<string, Map<string, number>>();
  readonly nameIds = new Map<string, number>();

  insert(name: string, value: string): void {
    const id = this.inserted;
    this.add(name, value);
    if (this.inserted - this.count > id) return; // too big: not kept
    let values = this.pairs.get(name);
    if (values === undefined) {
      values = new Map();
      this.pairs.set(name, values);
    }
    values.set(value, id);
    this.nameIds.set(name, id);
  }

  protected override evicted(name: string, value: string, id: number): void {
    const values = this.pairs.get(name);
    if (values !== undefined && values.get(value) === id) {
      values.delete(value);
      if (values.size === 0) this.pairs.delete(name);
    }
    if (this.nameIds.get(name) === id) this.nameIds.delete(name);
  }
}

export class HpackEncoder {
  private readonly table: IndexedTable;
  /** Smallest size the peer allowed since the last block, when a size update is due (else -1). */
  private pendingMin = -1;

  constructor(limit = 4096) {
    this.table = new IndexedTable(limit);
  }

  /** Applies the peer's SETTINGS_HEADER_TABLE_SIZE (the table stays within our own limit). */
  setPeerMaxTableSize(size: number): void {
    const next = Math.min(size, this.table.limit);
    if (next === this.table.maxSize && this.pendingMin === -1) return;
    this.pendingMin = this.pendingMin === -1 ? next : Math.min(this.pendingMin, next);
    this.table.resize(next);
  }

  /**
   * Encodes the pairs of `fields` (name, value, name, value...) at `out[at]` and returns the
   * offset after the block; `neverIndexed` lists pair ordinals to send never-indexed.
   * Throws a RangeError when `out` may be too small.
   */
  encode(fields: readonly string[], neverIndexed: readonly number[] | null, out: Buffer, at: number): number {
    const table = this.table;
    if (this.pendingMin !== -1) {
      at = writeInteger(out, at, 5, 0x20, this.pendingMin);
      if (this.pendingMin !== table.maxSize) at = writeInteger(out, at, 5, 0x20, table.maxSize);
      this.pendingMin = -1;
    }
    for (let i = 0; i < fields.length; i += 2) {
      const name = fields[i] as string;
      const value = fields[i + 1] as string;
      if (at + name.length + value.length + 16 > out.length) throw new RangeError('header block too large');
      const never = SENSITIVE.has(name) || neverIndexed?.includes(i >>> 1) === true;
      if (!never) {
        const exact = STATIC_PAIR_INDEX.get(name)?.get(value);
        if (exact !== undefined) {
          at = writeInteger(out, at, 7, 0x80, exact);
          continue;
        }
        const id = table.pairs.get(name)?.get(value);
        if (id !== undefined) {
          at = writeInteger(out, at, 7, 0x80, STATIC_LENGTH + table.inserted - id);
          continue;
        }
      }
      let nameIndex = STATIC_NAME_INDEX.get(name) ?? 0;
      if (nameIndex === 0) {
        const id = table.nameIds.get(name);
        if (id !== undefined) nameIndex = STATIC_LENGTH + table.inserted - id;
      }
      const entrySize = name.length + value.length + ENTRY_OVERHEAD;
      const indexing = !never && !NOT_INDEXED.has(name) && entrySize <= (table.maxSize * 3) / 4;
      if (indexing) at = writeInteger(out, at, 6, 0x40, nameIndex);
      else at = writeInteger(out, at, 4, never ? 0x10 : 0, nameIndex);
      if (nameIndex === 0) at = writeString(out, at, name);
      at = writeString(out, at, value);
      if (indexing) table.insert(name, value);
    }
    return at;
  }
}
