/**
 * The local platform's durable state: loaded once at start, saved at once after a
 * decision (desired state, a pod started or removed) and coalesced after a burst of
 * pod status changes. Saves are written off the event loop (the file system's thread
 * pool), one at a time: a save asked for while one is being written follows it, with
 * the state as it is then, so the last write always carries the latest state and a
 * burst of decisions costs one or two writes, not one each. A failed save is logged;
 * the next one carries the state.
 */
import type { StateStore } from '../../state/store.ts';
import { emptyState, LOCAL_STATE_KEY, LocalState } from './state.ts';

/** Pod status changes within this window are saved as one write. */
const SAVE_DEBOUNCE_MS = 50;

export class LocalStatePersistence {
  readonly #store: StateStore;
  readonly #snapshot: () => LocalState;
  #timer: NodeJS.Timeout | undefined;
  /** The write under way (undefined when none is). */
  #inFlight: Promise<void> | undefined;
  /** The write asked for while one is under way: it starts when that one ends. */
  #queued: { done: Promise<void>; resolve: () => void } | undefined;
  #closed = false;

  constructor(store: StateStore, snapshot: () => LocalState) {
    this.#store = store;
    this.#snapshot = snapshot;
  }

  /** The saved state, or an empty one on a first start. Throws when the file is unreadable. */
  load(): LocalState {
    return this.#store.load(LOCAL_STATE_KEY, LocalState) ?? emptyState();
  }

  /** Saves soon, once for a burst of calls. */
  schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.saveNow();
    }, SAVE_DEBOUNCE_MS);
  }

  /** Starts writing now (and drops a scheduled save); `flushed()` says when it is on disk. */
  saveNow(): void {
    this.cancel();
    if (this.#closed) return;
    if (!this.#inFlight) {
      this.#inFlight = this.#write();
      return;
    }
    if (!this.#queued) {
      let resolve: () => void = () => {};
      const done = new Promise<void>((r) => {
        resolve = r;
      });
      this.#queued = { done, resolve };
    }
  }

  /**
   * Resolves once the state as it is now is on disk (or its write failed, and was logged):
   * after the write that follows the one under way, if a save was asked for since it began.
   */
  async flushed(): Promise<void> {
    await (this.#queued?.done ?? this.#inFlight);
  }

  /** Drops a scheduled save. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * The last save, when the platform stops: no more saves are taken after it, the writes
   * under way end first (so none lands after it), and this one is written at once.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.cancel();
    while (this.#inFlight) await this.#inFlight;
    try {
      this.#store.save(LOCAL_STATE_KEY, this.#snapshot());
    } catch (err) {
      console.error(`[local] cannot save state: ${(err as Error).message}`);
    }
  }

  /** Writes the state as it is now; then starts the queued write, if any. */
  #write(): Promise<void> {
    return this.#store
      .saveAsync(LOCAL_STATE_KEY, this.#snapshot())
      .catch((err: unknown) => console.error(`[local] cannot save state: ${(err as Error).message}`))
      .then(() => {
        const next = this.#queued;
        this.#queued = undefined;
        this.#inFlight = next ? this.#write() : undefined;
        if (next) void this.#inFlight?.then(next.resolve);
      });
  }
}
