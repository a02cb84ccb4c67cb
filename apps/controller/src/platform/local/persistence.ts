/**
 * The local platform's durable state: loaded once at start, saved at once after a
 * decision (desired state, a pod started or removed) and coalesced after a burst of
 * pod status changes. A failed save is logged; the next one carries the state.
 */
import type { StateStore } from '../../state/store.ts';
import { emptyState, LOCAL_STATE_KEY, LocalState } from './state.ts';

/** Pod status changes within this window are saved as one write. */
const SAVE_DEBOUNCE_MS = 50;

export class LocalStatePersistence {
  readonly #store: StateStore;
  readonly #snapshot: () => LocalState;
  #timer: NodeJS.Timeout | undefined;

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
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.save();
    }, SAVE_DEBOUNCE_MS);
  }

  /** Saves now (and drops a scheduled save). */
  saveNow(): void {
    this.cancel();
    this.save();
  }

  /** Drops a scheduled save. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  save(): void {
    try {
      this.#store.save(LOCAL_STATE_KEY, this.#snapshot());
    } catch (err) {
      console.error(`[local] cannot save state: ${(err as Error).message}`);
    }
  }
}
