/**
 * One controller per state directory: a lock file naming the owning process (pid and
 * start time, so a reused pid does not count). The file is created exclusively (written
 * aside, then hard-linked into place, which fails when it exists), so of two controllers
 * started at once exactly one gets it. A controller that died (even by SIGKILL) leaves a
 * stale lock that the next one takes over: it moves the stale file aside and checks that
 * what it moved is the stale lock it read (and not a lock another controller has just
 * taken) before trying again. A live owner makes the next one refuse to start, since two
 * controllers would fight over the same pods.
 */
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, MeshError } from '@weft/shared';
import { startTimeOf } from '../os/process-start.ts';

const LOCK_FILE = 'controller.lock';
/** Takeovers tried before giving up (each needs another process to have raced us). */
const ATTEMPTS = 5;

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Creates `path` holding `text` only when it does not exist; false when it does. */
function createExclusive(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** The live controller a lock names, or undefined when the lock is stale, malformed or ours. */
function liveOwner(text: string): number | undefined {
  try {
    const held = JSON.parse(text) as { pid?: number; startTime?: number };
    if (typeof held.pid === 'number' && held.pid !== process.pid && startTimeOf(held.pid) === held.startTime)
      return held.pid;
  } catch {
    // A malformed lock names nobody.
  }
  return undefined;
}

function conflict(dir: string, pid: number | undefined): MeshError {
  return new MeshError(
    ErrorCode.conflict,
    `another controller (${pid === undefined ? 'starting at the same time' : `pid ${pid}`}) is running on the state directory ${dir}; stop it first or use another WEFT_STATE_DIR`,
  );
}

/** Takes the directory's lock for this process; returns its release. Throws `WEFT_CONFLICT` when a live controller holds it. */
export function lockStateDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  const mine = `${JSON.stringify({ pid: process.pid, startTime: startTimeOf(process.pid) ?? 0 })}\n`;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (createExclusive(path, mine)) return release(path);
    const held = readIfExists(path);
    if (held === undefined) continue;
    const owner = liveOwner(held);
    if (owner !== undefined) throw conflict(dir, owner);
    // Stale (or ours from before): move it aside, and check it is what we judged stale.
    const aside = `${path}.${process.pid}.stale`;
    try {
      renameSync(path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const moved = readIfExists(aside);
    if (moved !== held) {
      // Another controller took the lock between our read and our move: give it back.
      try {
        linkSync(aside, path);
      } catch {
        // It is already back in place (or replaced): either way, not ours.
      }
      rmSync(aside, { force: true });
      throw conflict(dir, moved === undefined ? undefined : liveOwner(moved));
    }
    rmSync(aside, { force: true });
  }
  throw conflict(dir, undefined);
}

function release(path: string): () => void {
  return () => {
    try {
      const held = JSON.parse(readFileSync(path, 'utf8')) as { pid?: number };
      if (held.pid === process.pid) rmSync(path, { force: true });
    } catch {
      // Already gone.
    }
  };
}
