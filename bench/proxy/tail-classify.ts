/**
 * The analysis half of `tail.ts`: reads what `tail-probe.mjs` logged (GC pauses and
 * event-loop stalls of each watched process) and says, for each slow request of a fixed-rate
 * run, what overlapped it between its scheduled time and its answer.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoggedRequest } from '../lib/olg-log.ts';

/** A GC pause (`gc1` minor, `gc4` major, `gc8` incremental, `gc16` weak callbacks) or a stall. */
export interface ProbeEvent {
  kind: string;
  start: number;
  dur: number;
  /** The process: `upstream` or `<path>-client`/`<path>-server`. */
  who: string;
}

/** Every event the probes in `dir` logged, named by `names` (pid → name). */
export function readProbes(dir: string, names: ReadonlyMap<number, string>): ProbeEvent[] {
  const out: ProbeEvent[] = [];
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    const who = names.get(Number(f.split('.')[0])) ?? f;
    for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      const [kind, start, dur, gcKind] = line.split(' ');
      if (kind === 'gc') out.push({ kind: `gc${gcKind}`, start: Number(start), dur: Number(dur), who });
      else if (kind === 'stall') out.push({ kind: 'stall', start: Number(start), dur: Number(dur), who });
    }
  }
  return out;
}

/**
 * What a slow request met, first match wins:
 * - `generatorLate`: the generator sent it over 0.5 ms after its scheduled time: its own core was
 *   busy, or all its connections were waiting (a backlog behind a stall of 50 ms or more);
 * - `ownGc`: a GC pause in the path's own processes (its proxies or the upstream);
 * - `siblingGc`: a GC pause in another watched process on the same core (another path's idle proxy);
 * - `coreStall`: the path's processes and idle ones stalled at once (the core ran something else);
 * - `ownStall`: only the path's own processes stalled (busy: handshakes, a backlog);
 * - `none`: nothing the probes see.
 */
export function classify(
  q: LoggedRequest,
  events: readonly ProbeEvent[],
  own: (who: string) => boolean,
): string {
  if (q.sent - q.scheduled > 500_000) return 'generatorLate';
  const hit = events.filter((e) => e.start < q.answered && e.start + e.dur > q.scheduled);
  const gc = (mine: boolean) => hit.some((e) => own(e.who) === mine && e.kind !== 'stall');
  const stall = (mine: boolean) => hit.some((e) => own(e.who) === mine && e.kind === 'stall');
  if (gc(true)) return 'ownGc';
  if (gc(false)) return 'siblingGc';
  if (stall(true) && stall(false)) return 'coreStall';
  if (stall(true)) return 'ownStall';
  return 'none';
}

/** Count, total ms and longest ms of the events `pick` selects. */
export function eventSummary(events: readonly ProbeEvent[], pick: (e: ProbeEvent) => boolean): string {
  const x = events.filter(pick);
  const total = x.reduce((a, e) => a + e.dur, 0) / 1e6;
  const max = Math.max(0, ...x.map((e) => e.dur)) / 1e6;
  return `${x.length} (${total.toFixed(1)} ms, longest ${max.toFixed(2)})`;
}

/** The requests and events around the slowest request, one line each, times relative to it in ms. */
export function timeline(reqs: readonly LoggedRequest[], events: readonly ProbeEvent[]): string[] {
  const worst = reqs.reduce((a, q) => (q.answered - q.scheduled > a.answered - a.scheduled ? q : a));
  const from = worst.scheduled - 50e6;
  const to = worst.answered + 5e6;
  const ms = (ns: number) => ((ns - worst.scheduled) / 1e6).toFixed(2);
  const rows: [number, string][] = [];
  for (const e of events)
    if (e.start + e.dur > from && e.start < to)
      rows.push([e.start, `${ms(e.start)} ${e.who} ${e.kind} ${(e.dur / 1e6).toFixed(2)} ms`]);
  for (const q of reqs)
    if (q.scheduled > from && q.scheduled < to && q.answered - q.scheduled > 1e6)
      rows.push([
        q.scheduled,
        `${ms(q.scheduled)} request on conn ${q.conn}: sent +${((q.sent - q.scheduled) / 1e6).toFixed(2)}, ` +
          `answered at ${ms(q.answered)} (${((q.answered - q.scheduled) / 1e6).toFixed(2)} ms)`,
      ]);
  return rows.sort((a, b) => a[0] - b[0]).map((r) => r[1]);
}
