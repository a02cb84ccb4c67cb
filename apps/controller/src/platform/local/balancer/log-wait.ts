/**
 * Waits for a line in a log file another process appends to (the balancer's "serving"):
 * the file is read onwards from an offset, a bounded chunk at a time, whenever it changes
 * (fs.watch), with a slow poll behind the watch for a change event it missed or a file it
 * could not watch, and for a bounded total time.
 */
import { type FSWatcher, watch } from 'node:fs';
import { open } from 'node:fs/promises';

export interface LineWait {
  /** Gives up after this long. */
  timeoutMs: number;
  /** Reads again after this long without a change event. */
  pollMs: number;
  /** Whether to keep waiting (the process is still alive, say); asked before each read. */
  waiting: () => boolean;
}

/**
 * Resolves true once what `file` holds from byte `from` on contains `text`; false when
 * `waiting` says to stop or `timeoutMs` has passed first.
 */
export async function waitForLine(
  file: string,
  from: number,
  text: string,
  wait: LineWait,
): Promise<boolean> {
  const scanner = new LogScanner(file, from);
  const deadline = Date.now() + wait.timeoutMs;
  let changed = false;
  let wake: (() => void) | null = null;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(file, { persistent: false }, () => {
      changed = true;
      wake?.();
    });
    watcher.on('error', () => {}); // the poll carries on
  } catch {
    // not there yet, or not watchable: the poll alone
  }
  try {
    while (wait.waiting()) {
      changed = false;
      if (await scanner.mentions(text)) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      if (changed) continue; // it changed while being read
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(wait.pollMs, left));
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      });
    }
    return false;
  } finally {
    watcher?.close();
  }
}

/**
 * Reads a log file onwards from an offset, a bounded chunk at a time, to find a line:
 * everything the process logged since it started is seen, however busy its log (and
 * from the start of the file again when it was truncated or replaced).
 */
class LogScanner {
  static readonly CHUNK = 64 * 1024;
  readonly #file: string;
  #pos: number;
  /** The end of the last chunk read (a line may straddle two chunks). */
  #carry = '';
  /** The file read last: another one under the name (renamed over) is read from its start. */
  #ino: number | undefined;

  constructor(file: string, from: number) {
    this.#file = file;
    this.#pos = from;
  }

  /** Whether the lines logged so far (from the offset on) contain `text`. */
  async mentions(text: string): Promise<boolean> {
    const fh = await open(this.#file, 'r').catch(() => undefined);
    if (!fh) return false;
    try {
      const { ino, size } = await fh.stat();
      if ((this.#ino !== undefined && ino !== this.#ino) || size < this.#pos) {
        // replaced or truncated: what it holds now was all written since
        this.#pos = 0;
        this.#carry = '';
      }
      this.#ino = ino;
      const buf = Buffer.alloc(LogScanner.CHUNK);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.#pos);
        if (bytesRead === 0) return false;
        this.#pos += bytesRead;
        const seen = this.#carry + buf.toString('utf8', 0, bytesRead);
        if (seen.includes(text)) return true;
        this.#carry = seen.slice(-text.length);
      }
    } finally {
      await fh.close();
    }
  }
}
