/**
 * The embedded time-series store: what the controller scraped from every proxy, held
 * as per-tick increments in fixed-size rings, so memory is bounded and window sums are
 * plain additions.
 *
 *   tick:    0    1    2   ...  cap-1 | cap  (wraps to slot 0)
 *   times:  [t0] [t1] [t2] ...         ← one scrape round each (ms since epoch)
 *   group:  [ success failure b1 b2 … b+Inf ] × cap slots   (Float32Array, cap × WIDTH)
 *
 * A group is one kept label set (see series-labels.ts); each slot holds how much each
 * counter grew between the previous scrape and that tick's. Increments are computed at
 * ingest from each raw series' last value with Prometheus' counter-reset rule: a value
 * lower than the last one means the counter restarted from zero, so the increment is the
 * new value (never negative). A series first seen on a proxy already scraped before
 * started from zero since that scrape, so its whole value counts; on a proxy's first
 * scrape, values are only a baseline, unless the proxy started after the scraper did
 * (`fresh`: everything it counted is new, even if its first scrapes failed).
 *
 * What a group keeps and what its columns count is the store's schema: the golden-metrics
 * families by default (series-labels.ts), or the per-route families (route-labels.ts).
 *
 * Memory bound: at most `maxGroups` groups of `capacity × width × 4` bytes each, plus
 * one small entry per raw series of live targets (at most MAX_RAW_SERIES_PER_TARGET
 * each); what is beyond the bound is dropped and counted. Groups whose last increment left the ring expire; a target's raw-series
 * state goes when the target is removed.
 */
import { MetricName } from '@weft/shared';
import type { ExpositionSample } from './exposition.ts';
import {
  bucketColumn,
  COL_FAILURE,
  COL_SUCCESS,
  type GroupLabels,
  groupKey,
  groupLabels,
  type TargetIdentity,
  WIDTH,
} from './series-labels.ts';

/** The names ingest reads; everything else a proxy exposes is skipped while parsing. */
export const INGESTED_NAMES: ReadonlySet<string> = new Set([
  MetricName.responseTotal,
  `${MetricName.responseLatencyMs}_bucket`,
  'process_start_time_seconds',
]);

/** How many groups of `capacity` ticks of `width` numbers fit in `bytes` (at least one). */
export function maxGroupsFor(bytes: number, capacity: number, width = WIDTH): number {
  return Math.max(1, Math.floor(bytes / (capacity * width * Float32Array.BYTES_PER_ELEMENT)));
}

/** A stored group's labels: fixed keys, absent ones "". */
export type StoreLabels = Readonly<Record<string, string>>;

/** Where one sample goes: its column (-1: tracked, not stored) and its group. */
export interface SampleRole<L extends StoreLabels> {
  col: number;
  labels: L;
  key: string;
}

/** What a store keeps: which samples, reduced to which group labels, into which columns. */
export interface SeriesSchema<L extends StoreLabels> {
  /** Sample names ingested; the rest are ignored. */
  readonly names: ReadonlySet<string>;
  /** Numbers per group per tick. */
  readonly width: number;
  /** A sample's column and group, or undefined for a sample this store ignores. */
  describe(s: ExpositionSample, identity: TargetIdentity): SampleRole<L> | undefined;
}

/** The golden-metrics schema: `response_total` by classification and the latency buckets. */
export const GOLDEN_SCHEMA: SeriesSchema<GroupLabels> = {
  names: INGESTED_NAMES,
  width: WIDTH,
  describe(s, identity) {
    let col = -1;
    if (s.name === MetricName.responseTotal) {
      const c = s.labels.classification;
      col = c === 'success' ? COL_SUCCESS : c === 'failure' ? COL_FAILURE : -1;
    } else if (s.name === `${MetricName.responseLatencyMs}_bucket`) {
      col = bucketColumn(s.labels.le);
    }
    const labels = groupLabels(s.labels, identity);
    return { col, labels, key: groupKey(labels) };
  },
};

/** Most raw series remembered per proxy: a proxy exposing more has the rest ignored (and counted). */
export const MAX_RAW_SERIES_PER_TARGET = 50_000;

export interface StoreOptions<L extends StoreLabels = GroupLabels> {
  /** Ticks kept (retention ÷ scrape interval, plus one). */
  capacity: number;
  /** Upper bound on groups held; the memory bound is `maxGroups × capacity × WIDTH × 4` bytes. */
  maxGroups: number;
  /** What the store keeps (default: the golden-metrics families). */
  schema?: SeriesSchema<L>;
}

/** One kept label set and its ring of increments. */
interface Group<L extends StoreLabels> {
  readonly labels: L;
  readonly values: Float32Array;
  /** Last tick whose slot holds this group's data; later slots are stale. */
  writtenTick: number;
}

/** Per raw series of one target: its last value and where its increments go. */
interface RawSeries<L extends StoreLabels> {
  last: number;
  /** Column, or -1 for a series ingest does not store. */
  col: number;
  key: string;
  labels: L;
}

interface TargetState<L extends StoreLabels> {
  identity: TargetIdentity;
  raw: Map<string, RawSeries<L>>;
  scrapes: number;
  startTime: number | undefined;
}

/** Sums of a group set over a tick range: `WIDTH` numbers (see series-labels.ts columns). */
export interface GroupSums<L extends StoreLabels = GroupLabels> {
  labels: L;
  sums: Float64Array;
}

/** A closed tick range; empty when `from > to`. */
export interface TickRange {
  from: number;
  to: number;
}

/** A flat copy of `s` (a slice of a large string keeps the whole string alive). */
function flat(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

export class MetricsStore<L extends StoreLabels = GroupLabels> {
  readonly capacity: number;
  readonly maxGroups: number;
  /** Numbers per group per tick. */
  readonly width: number;
  private readonly schema: SeriesSchema<L>;
  private readonly times: Float64Array;
  private tick = -1;
  private readonly groups = new Map<string, Group<L>>();
  private readonly targets = new Map<string, TargetState<L>>();
  /** One labels object per group key, shared by the raw series that feed it. */
  private readonly interned = new Map<string, { key: string; labels: L }>();
  /** Samples ignored because the store (or a proxy's raw-series table) was full. */
  droppedSamples = 0;

  constructor(options: StoreOptions<L>) {
    if (!Number.isInteger(options.capacity) || options.capacity < 2) {
      throw new RangeError(`capacity must be an integer ≥ 2, got ${options.capacity}`);
    }
    this.capacity = options.capacity;
    this.maxGroups = options.maxGroups;
    this.schema = options.schema ?? (GOLDEN_SCHEMA as unknown as SeriesSchema<L>);
    this.width = this.schema.width;
    this.times = new Float64Array(options.capacity);
  }

  /** Starts a scrape round at `timeMs`; returns its tick. Times must not go backwards. */
  beginTick(timeMs: number): number {
    const last = this.tick >= 0 ? this.timeOf(this.tick) : Number.NEGATIVE_INFINITY;
    this.tick++;
    this.times[this.tick % this.capacity] = Math.max(timeMs, last);
    this.expire();
    return this.tick;
  }

  /** The latest tick, -1 before the first. */
  get currentTick(): number {
    return this.tick;
  }

  /** When tick `t` (still in the ring) was taken. */
  timeOf(t: number): number {
    return this.times[t % this.capacity] ?? Number.NaN;
  }

  /** Oldest tick still held. */
  get oldestTick(): number {
    return Math.max(0, this.tick - this.capacity + 1);
  }

  /** Whether this store ingests samples named `name`. */
  ingests(name: string): boolean {
    return this.schema.names.has(name);
  }

  /** Whether target `targetKey` already has series `key` (its labels need no parsing again). */
  knownKeys(targetKey: string): (key: string) => boolean {
    const raw = this.targets.get(targetKey)?.raw;
    return raw === undefined ? () => false : (key) => raw.has(key);
  }

  /**
   * Adds one successful scrape of target `targetKey` at tick `tick` (the current one).
   * Samples whose names the schema does not list are ignored.
   */
  ingest(
    targetKey: string,
    identity: TargetIdentity,
    tick: number,
    samples: readonly ExpositionSample[],
    options: { fresh?: boolean } = {},
  ): void {
    let state = this.targets.get(targetKey);
    if (state === undefined) {
      state = { identity, raw: new Map(), scrapes: 0, startTime: undefined };
      this.targets.set(targetKey, state);
    }
    state.identity = identity;
    // `fresh`: the proxy started while we were watching, so even its first scrape is all new.
    const known = state.scrapes > 0 || options.fresh === true;
    // A changed process start time means the proxy restarted: every counter began at zero.
    const start = samples.find((s) => s.name === 'process_start_time_seconds')?.value;
    const restarted =
      known && start !== undefined && state.startTime !== undefined && start !== state.startTime;
    if (start !== undefined) state.startTime = start;

    const names = this.schema.names;
    for (const s of samples) {
      if (!names.has(s.name)) continue;
      let raw = state.raw.get(s.key);
      if (raw === undefined) {
        if (state.raw.size >= MAX_RAW_SERIES_PER_TARGET) {
          this.droppedSamples++;
          continue;
        }
        const described = this.describe(s, identity);
        if (described === undefined) continue;
        raw = described;
        // A copy, so the key does not pin the whole scrape text in memory.
        state.raw.set(flat(s.key), raw);
        if (raw.col >= 0 && known) this.add(raw, tick, s.value);
        raw.last = s.value;
        continue;
      }
      if (raw.col >= 0) {
        const v = s.value;
        const inc = restarted || v < raw.last ? v : v - raw.last;
        if (inc > 0) this.add(raw, tick, inc);
      }
      raw.last = s.value;
    }
    state.scrapes++;
  }

  private describe(s: ExpositionSample, identity: TargetIdentity): RawSeries<L> | undefined {
    const role = this.schema.describe(s, identity);
    if (role === undefined) return undefined;
    let shared = this.interned.get(role.key);
    if (shared === undefined) {
      shared = { key: flat(role.key), labels: role.labels };
      this.interned.set(shared.key, shared);
    }
    return { last: 0, col: role.col, key: shared.key, labels: shared.labels };
  }

  private add(raw: RawSeries<L>, tick: number, inc: number): void {
    if (!Number.isFinite(inc) || inc <= 0) return;
    let g = this.groups.get(raw.key);
    if (g === undefined) {
      if (this.groups.size >= this.maxGroups) {
        this.droppedSamples++;
        return;
      }
      g = {
        labels: raw.labels,
        values: new Float32Array(this.capacity * this.width),
        writtenTick: tick - 1,
      };
      this.groups.set(raw.key, g);
    }
    if (g.writtenTick < tick) {
      const from = Math.max(g.writtenTick + 1, tick - this.capacity + 1);
      for (let t = from; t <= tick; t++) {
        const o = (t % this.capacity) * this.width;
        g.values.fill(0, o, o + this.width);
      }
      g.writtenTick = tick;
    }
    const i = (tick % this.capacity) * this.width + raw.col;
    g.values[i] = (g.values[i] ?? 0) + inc;
  }

  /** Forgets a target's raw-series state (its stored history stays until it expires). */
  removeTarget(targetKey: string): void {
    this.targets.delete(targetKey);
  }

  /** Target keys the store holds state for. */
  targetKeys(): string[] {
    return [...this.targets.keys()];
  }

  /** Drops groups with no data left in the ring. */
  private expire(): void {
    const oldest = this.tick - this.capacity + 1;
    for (const [k, g] of this.groups) if (g.writtenTick < oldest) this.groups.delete(k);
    // Interned labels of groups gone; raw series that still point at them keep their copy.
    if (this.interned.size > 2 * this.groups.size + 1024) {
      for (const k of this.interned.keys()) if (!this.groups.has(k)) this.interned.delete(k);
    }
  }

  /** Ticks whose time is in (fromMs, toMs], clipped to what the ring holds. */
  ticksBetween(fromMs: number, toMs: number): TickRange {
    let to = this.tick;
    while (to >= this.oldestTick && this.timeOf(to) > toMs) to--;
    let from = to + 1;
    while (from - 1 >= this.oldestTick && this.timeOf(from - 1) > fromMs) from--;
    return { from, to };
  }

  /**
   * Sums increments over `range` for the groups `match` accepts, per key `by` gives
   * (groups for which `by` returns undefined are skipped).
   */
  sumBy(
    range: TickRange,
    match: (l: L) => boolean,
    by: (l: L) => string | undefined,
  ): Map<string, GroupSums<L>> {
    const W = this.width;
    const out = new Map<string, GroupSums<L>>();
    if (range.from > range.to) return out;
    for (const g of this.groups.values()) {
      if (!match(g.labels)) continue;
      const key = by(g.labels);
      if (key === undefined) continue;
      const to = Math.min(range.to, g.writtenTick);
      if (to < range.from) continue;
      let acc = out.get(key);
      if (acc === undefined) {
        acc = { labels: g.labels, sums: new Float64Array(W) };
        out.set(key, acc);
      }
      for (let t = range.from; t <= to; t++) {
        const o = (t % this.capacity) * W;
        for (let c = 0; c < W; c++) acc.sums[c] = (acc.sums[c] ?? 0) + (g.values[o + c] ?? 0);
      }
    }
    return out;
  }

  /** Per-tick sums over `range` of the groups `match` accepts: `(to-from+1) × width` numbers. */
  perTick(range: TickRange, match: (l: L) => boolean): Float64Array {
    const W = this.width;
    const n = Math.max(0, range.to - range.from + 1);
    const out = new Float64Array(n * W);
    if (n === 0) return out;
    for (const g of this.groups.values()) {
      if (!match(g.labels)) continue;
      const to = Math.min(range.to, g.writtenTick);
      for (let t = range.from; t <= to; t++) {
        const o = (t % this.capacity) * W;
        const d = (t - range.from) * W;
        for (let c = 0; c < W; c++) out[d + c] = (out[d + c] ?? 0) + (g.values[o + c] ?? 0);
      }
    }
    return out;
  }

  /** Groups held. */
  get groupCount(): number {
    return this.groups.size;
  }

  /** Bytes held by the sample rings (the bounded part). */
  get ringBytes(): number {
    return (
      this.groups.size * this.capacity * this.width * Float32Array.BYTES_PER_ELEMENT + this.times.byteLength
    );
  }
}
