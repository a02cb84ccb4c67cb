import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../state/store.ts';
import { LocalStatePersistence } from './persistence.ts';
import { emptyState, LOCAL_STATE_KEY, LocalState } from './state.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'weft-persist-'));
  dirs.push(dir);
  const store = new StateStore(dir);
  const state = emptyState();
  let snapshots = 0;
  const persistence = new LocalStatePersistence(store, () => {
    snapshots++;
    return structuredClone(state);
  });
  const onDisk = () => store.load(LOCAL_STATE_KEY, LocalState);
  return { state, persistence, onDisk, snapshots: () => snapshots };
}

const workload = (replicas: number) => ({ meshed: true, replicas, createdAt: '2026-01-01T00:00:00.000Z' });

describe('LocalStatePersistence', () => {
  it('has the state as it was when flushed() was called on disk once flushed() resolves, a burst written at most twice', async () => {
    const { state, persistence, onDisk, snapshots } = open();
    for (let i = 1; i <= 10; i++) {
      state.workloads[`demo/w${i}`] = workload(i);
      persistence.saveNow();
    }
    await persistence.flushed();
    expect(Object.keys(onDisk()?.workloads ?? {})).toHaveLength(10);
    expect(snapshots()).toBeLessThanOrEqual(2);
  });

  it('writes the last state on close, after the writes under way, and takes no save after it', async () => {
    const { state, persistence, onDisk } = open();
    state.workloads['demo/a'] = workload(1);
    persistence.saveNow();
    state.workloads['demo/a'] = workload(3);
    await persistence.close();
    expect(onDisk()?.workloads['demo/a']?.replicas).toBe(3);
    state.workloads['demo/a'] = workload(5);
    persistence.saveNow();
    await persistence.flushed();
    expect(onDisk()?.workloads['demo/a']?.replicas).toBe(3);
  });
});
