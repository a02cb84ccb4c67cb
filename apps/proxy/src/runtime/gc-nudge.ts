/**
 * Bounds the memory a fast body stream leaves behind. Every socket read allocates a
 * buffer that lives outside the JS heap; V8 frees them only at a GC, which it schedules
 * by heap growth, so a stream of hundreds of MB can pile up tens of MB of dead buffers
 * (RSS over 100 MB for a 1 GB upload). Counting the bytes streamed and asking for a
 * young-generation collection every `NUDGE_BYTES` keeps RSS flat at a cost of well under
 * a millisecond per nudge. Without a way to reach the collector, it does nothing.
 *
 * The collector is reached at the first nudge, not at load: reaching it takes a second
 * V8 context (about 0.7 MB), which a proxy that never streams that much does without.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes streamed between two nudges. */
export const NUDGE_BYTES = 4 * 1024 * 1024;

type Gc = (options?: { type: 'minor' | 'major' }) => void;

function reachCollector(): Gc | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as Gc) : null;
  } catch {
    return null;
  }
}

/** undefined: not reached yet; null: out of reach. */
let gc: Gc | null | undefined;
let streamed = 0;

/** Counts `n` body bytes streamed through the proxy; collects young garbage now and then. */
export function countStreamed(n: number): void {
  streamed += n;
  if (streamed < NUDGE_BYTES) return;
  streamed = 0;
  if (gc === undefined) gc = reachCollector();
  if (gc !== null) gc({ type: 'minor' });
}
