/**
 * Keeps the other paths' processes still while one path is measured. Every path's proxies
 * share core 0 with the upstream, and a proxy left idle after its own turn still collects
 * its heap (a full GC of 16–19 ms was seen landing in another path's fixed-rate window):
 * that is the bench's doing, not a cost of the path being measured. SIGSTOP holds them;
 * the returned function sends SIGCONT, and must run before anything else is asked of them.
 */

/** Stops `pids` (those still alive) and returns the function that resumes them. */
export function holdStill(pids: readonly number[]): () => void {
  const held: number[] = [];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGSTOP');
      held.push(pid);
    } catch {
      // already gone: nothing to hold
    }
  }
  return () => {
    for (const pid of held) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone meanwhile
      }
    }
  };
}
