/**
 * A coalescing wake-up: producers `notify()` as often as they like, one consumer
 * `await wait()`s and wakes once per burst. Used to turn platform events into streams
 * that recompute their state and send it when it changed.
 */
export class ChangeSignal {
  #pending = false;
  #wake: (() => void) | undefined;

  notify(): void {
    this.#pending = true;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Resolves at the next notification (at once when one came since the last wait), or on abort. */
  wait(signal?: AbortSignal): Promise<void> {
    if (this.#pending || signal?.aborted) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        this.#pending = false;
        resolve();
      };
      this.#wake = done;
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
