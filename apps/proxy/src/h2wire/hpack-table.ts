/**
 * The HPACK dynamic table (RFC 7541 section 4): a ring of (name, value) entries, newest
 * first, evicted oldest first to keep the sum of entry sizes (name + value + 32 octets)
 * within the current maximum, itself never above the limit fixed at construction. The ring
 * is allocated once for the most entries that limit admits; nothing grows afterwards.
 */

/** RFC 7541 section 4.1: the overhead counted for each entry. */
export const ENTRY_OVERHEAD = 32;

export class DynamicTable {
  /** Hard bound on `maxSize` (our SETTINGS_HEADER_TABLE_SIZE, or the encoder's own cap). */
  readonly limit: number;
  /** Current maximum size in octets (changed by size updates). */
  maxSize: number;
  /** Sum of the entries' sizes. */
  size = 0;
  /** Entries in the table. */
  count = 0;
  /** Entries ever inserted: the newest entry's absolute id is `inserted - 1`. */
  inserted = 0;
  private readonly names: string[];
  private readonly values: string[];
  private readonly mask: number;
  /** Ring slot of the oldest entry. */
  private head = 0;

  constructor(limit: number) {
    this.limit = limit;
    this.maxSize = limit;
    let capacity = 1;
    while (capacity < Math.floor(limit / ENTRY_OVERHEAD) + 1) capacity *= 2;
    this.names = new Array<string>(capacity).fill('');
    this.values = new Array<string>(capacity).fill('');
    this.mask = capacity - 1;
  }

  /** Name of the entry at relative index `rel` (1 = newest); the caller checks `rel <= count`. */
  name(rel: number): string {
    return this.names[(this.head + this.count - rel) & this.mask] as string;
  }

  /** Value of the entry at relative index `rel` (1 = newest). */
  value(rel: number): string {
    return this.values[(this.head + this.count - rel) & this.mask] as string;
  }

  /** Inserts an entry, evicting as needed; an entry larger than `maxSize` empties the table. */
  add(name: string, value: string): void {
    const entrySize = name.length + value.length + ENTRY_OVERHEAD;
    if (entrySize > this.maxSize) {
      this.evictTo(0);
      this.inserted++;
      return;
    }
    this.evictTo(this.maxSize - entrySize);
    const slot = (this.head + this.count) & this.mask;
    this.names[slot] = name;
    this.values[slot] = value;
    this.count++;
    this.size += entrySize;
    this.inserted++;
  }

  /** Applies a size update (the caller has checked it against `limit`). */
  resize(maxSize: number): void {
    this.maxSize = maxSize;
    this.evictTo(maxSize);
  }

  /** Called for each evicted entry with its absolute id (the encoder drops it from its index). */
  protected evicted(_name: string, _value: string, _id: number): void {}

  private evictTo(size: number): void {
    while (this.size > size && this.count > 0) {
      const slot = this.head;
      const name = this.names[slot] as string;
      const value = this.values[slot] as string;
      this.size -= name.length + value.length + ENTRY_OVERHEAD;
      this.evicted(name, value, this.inserted - this.count);
      this.names[slot] = '';
      this.values[slot] = '';
      this.head = (slot + 1) & this.mask;
      this.count--;
    }
  }
}
