/**
 * The processes a local platform's state records (pods' apps and proxies, the balancer),
 * and which still run: the scale bench's check that a stopped controller leaves nothing
 * behind. Read with the controller's own state schema and liveness test.
 */
import { readFileSync } from 'node:fs';
import { isAlive, type ProcRef } from '../../apps/controller/src/platform/local/processes.ts';
import { LOCAL_STATE_KEY, LocalState } from '../../apps/controller/src/platform/local/state.ts';
import { StateStore } from '../../apps/controller/src/state/store.ts';

/** Every process the platform recorded in `stateDir`. */
export function recordedProcesses(stateDir: string): ProcRef[] {
  const state = new StateStore(stateDir).load(LOCAL_STATE_KEY, LocalState);
  if (!state) return [];
  return [...state.pods.flatMap((p) => [p.app, p.proxy]), state.balancer].filter((r) => r !== null);
}

/** The command line of the recorded process when it still runs (not a zombie, not a reused pid). */
export function stillRunning(ref: ProcRef): string | undefined {
  if (!isAlive(ref)) return undefined;
  try {
    return readFileSync(`/proc/${ref.pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return undefined;
  }
}
