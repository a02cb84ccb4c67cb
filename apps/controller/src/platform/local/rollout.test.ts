import { describe, expect, it } from 'vitest';
import {
  type ReadyResult,
  type RolloutDriver,
  type RolloutPod,
  type RolloutStep,
  rollOut,
} from './rollout.ts';

/** A fake workload: pods become ready (or not) as `becomesReady` says; records every action. */
function fakeWorkload(opts: {
  pods: RolloutPod[];
  hash: string;
  replicas: number;
  becomesReady?: (name: string) => boolean;
  /** Pods that pass the progress deadline before they become ready. */
  slow?: (name: string) => boolean;
}) {
  const pods = [...opts.pods];
  const log: string[] = [];
  let seq = 0;
  let minReady = Number.POSITIVE_INFINITY;
  const trackAvailability = () => {
    minReady = Math.min(minReady, pods.filter((p) => p.ready).length);
  };
  const driver: RolloutDriver = {
    desired: () => ({ templateHash: opts.hash, replicas: opts.replicas }),
    pods: () => pods.map((p) => ({ ...p })),
    async createPod() {
      seq += 1;
      const name = `new-${seq}`;
      pods.push({
        name,
        templateHash: opts.hash,
        ready: false,
        createdAt: `2026-01-01T00:01:${String(seq).padStart(2, '0')}Z`,
      });
      log.push(`create ${name}`);
      return name;
    },
    async deletePod(name) {
      const i = pods.findIndex((p) => p.name === name);
      pods.splice(i, 1);
      log.push(`delete ${name}`);
      trackAvailability();
    },
    async waitReady(name, onDeadline): Promise<ReadyResult> {
      if (opts.slow?.(name)) {
        log.push(`past deadline ${name}`);
        onDeadline(`pod ${name} did not become ready within 60 s`);
      }
      const ok = opts.becomesReady?.(name) ?? true;
      const pod = pods.find((p) => p.name === name);
      if (ok && pod) pod.ready = true;
      log.push(`${ok ? 'ready' : 'never ready'} ${name}`);
      return ok ? { ready: true } : { ready: false, reason: `pod ${name} did not become ready within 60 s` };
    },
  };
  return { driver, pods, log, minReady: () => minReady };
}

const old = (name: string, ready = true): RolloutPod => ({
  name,
  templateHash: 'old',
  ready,
  createdAt: `2026-01-01T00:00:0${name.at(-1)}Z`,
});

describe('rollOut', () => {
  it('replaces pods one at a time, a new one ready before an old one stops', async () => {
    const w = fakeWorkload({ pods: [old('a1'), old('a2')], hash: 'new', replicas: 2 });
    const steps: RolloutStep[] = [];
    const last = await rollOut(w.driver, (s) => steps.push(s));
    expect(w.log).toEqual([
      'create new-1',
      'ready new-1',
      'delete a1',
      'create new-2',
      'ready new-2',
      'delete a2',
    ]);
    expect(w.minReady()).toBeGreaterThanOrEqual(2);
    expect(last).toMatchObject({ state: 'complete', total: 2, updated: 2, ready: 2 });
    expect(steps.some((s) => s.state === 'progressing' && s.updated === 1)).toBe(true);
  });

  it('stops with a failed status when a new pod never becomes ready, keeping the old pods', async () => {
    const w = fakeWorkload({
      pods: [old('a1'), old('a2')],
      hash: 'new',
      replicas: 2,
      becomesReady: () => false,
    });
    const last = await rollOut(w.driver, () => {});
    expect(last.state).toBe('failed');
    expect(last.message).toMatch(/new-1 did not become ready.*old pods keep serving/);
    expect(w.pods.filter((p) => p.templateHash === 'old' && p.ready)).toHaveLength(2);
    expect(w.log).not.toContain('delete a1');
  });

  it('reverting after a failure removes the unready new pod without touching the serving ones', async () => {
    const w = fakeWorkload({
      pods: [
        old('a1'),
        old('a2'),
        { name: 'bad', templateHash: 'new', ready: false, createdAt: '2026-01-01T00:05:00Z' },
      ],
      hash: 'old',
      replicas: 2,
    });
    const last = await rollOut(w.driver, () => {});
    expect(w.log).toEqual(['delete bad']);
    expect(last.state).toBe('complete');
  });

  it('scales up and down with the current template', async () => {
    const up = fakeWorkload({ pods: [{ ...old('a1'), templateHash: 'new' }], hash: 'new', replicas: 3 });
    await rollOut(up.driver, () => {});
    expect(up.pods).toHaveLength(3);
    const down = fakeWorkload({ pods: up.pods, hash: 'new', replicas: 1 });
    const last = await rollOut(down.driver, () => {});
    expect(down.pods).toHaveLength(1);
    expect(last).toMatchObject({ state: 'complete', total: 1, ready: 1 });
  });

  it('stops between steps when cancelled', async () => {
    const w = fakeWorkload({ pods: [old('a1'), old('a2')], hash: 'new', replicas: 2 });
    let steps = 0;
    const last = await rollOut(
      w.driver,
      () => {},
      () => ++steps > 1,
    );
    expect(last.message).toMatch(/superseded/);
    expect(w.pods.filter((p) => p.templateHash === 'old')).toHaveLength(2);
  });

  it('gives up waiting on a pod when a newer change cancels it, without reporting a failure', async () => {
    let cancelled = false;
    const w = fakeWorkload({
      pods: [old('a1')],
      hash: 'new',
      replicas: 1,
      becomesReady: () => {
        cancelled = true; // the user unmeshes while the new pod is still starting
        return false;
      },
    });
    const last = await rollOut(
      w.driver,
      () => {},
      () => cancelled,
    );
    expect(last).toMatchObject({ state: 'progressing', message: 'superseded by a newer change' });
    expect(w.pods.find((p) => p.name === 'a1')?.ready).toBe(true);
  });

  it('reports a pod past the progress deadline as not progressing, keeps waiting, then removes the old pod', async () => {
    const w = fakeWorkload({ pods: [old('a1')], hash: 'new', replicas: 1, slow: (n) => n === 'new-1' });
    const steps: RolloutStep[] = [];
    const last = await rollOut(w.driver, (s) => steps.push(s));
    expect(w.log).toEqual(['create new-1', 'past deadline new-1', 'ready new-1', 'delete a1']);
    expect(steps).toContainEqual(
      expect.objectContaining({
        state: 'progressing',
        progressDeadlineExceeded: true,
        message: 'not progressing: pod new-1 did not become ready within 60 s; still waiting for it',
      }),
    );
    expect(steps.some((s) => s.state === 'failed')).toBe(false);
    expect(last).toMatchObject({ state: 'complete', total: 1, updated: 1, ready: 1 });
    expect(w.pods.map((p) => p.name)).toEqual(['new-1']);
  });
});
