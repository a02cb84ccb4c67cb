/**
 * One controller per state directory: a lock file naming the owning process (pid and
 * start time, so a reused pid does not count). A controller that died (even by SIGKILL)
 * leaves a stale lock that the next one takes over; a live owner makes the next one
 * refuse to start, since two controllers would fight over the same pods.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, MeshError } from '@weft/shared';
import { startTimeOf } from '../os/process-start.ts';

const LOCK_FILE = 'controller.lock';

/** Takes the directory's lock for this process; returns its release. Throws `WEFT_CONFLICT` when a live controller holds it. */
export function lockStateDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  try {
    const held = JSON.parse(readFileSync(path, 'utf8')) as { pid?: number; startTime?: number };
    if (
      typeof held.pid === 'number' &&
      held.pid !== process.pid &&
      startTimeOf(held.pid) === held.startTime
    ) {
      throw new MeshError(
        ErrorCode.conflict,
        `another controller (pid ${held.pid}) is running on the state directory ${dir}; stop it first or use another WEFT_STATE_DIR`,
      );
    }
  } catch (err) {
    if (err instanceof MeshError) throw err;
    // No lock, or an unreadable one: take it.
  }
  const mine = { pid: process.pid, startTime: startTimeOf(process.pid) ?? 0 };
  writeFileSync(path, `${JSON.stringify(mine)}\n`);
  return () => {
    try {
      const held = JSON.parse(readFileSync(path, 'utf8')) as { pid?: number };
      if (held.pid === process.pid) rmSync(path, { force: true });
    } catch {
      // Already gone.
    }
  };
}
