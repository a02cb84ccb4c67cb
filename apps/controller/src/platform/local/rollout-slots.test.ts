import { describe, expect, it } from 'vitest';
import { defaultRolloutConcurrency, RolloutSlots } from './rollout-slots.ts';

describe('RolloutSlots', () => {
  it('runs at most `limit` rollouts at once and starts the waiting ones in order as slots free', async () => {
    const slots = new RolloutSlots(2);
    const started: number[] = [];
    const releases: Array<() => void> = [];
    const rollouts = [0, 1, 2, 3, 4].map((i) =>
      slots.acquire().then((release) => {
        started.push(i);
        releases[i] = release;
      }),
    );
    await Promise.resolve();
    await Promise.all(rollouts.slice(0, 2));
    expect(started).toEqual([0, 1]);
    expect(slots.running).toBe(2);
    expect(slots.waiting).toBe(3);

    releases[1]?.();
    releases[1]?.(); // a second call frees nothing more
    await rollouts[2];
    expect(started).toEqual([0, 1, 2]);
    expect(slots.running).toBe(2);
    expect(slots.waiting).toBe(2);

    releases[0]?.();
    releases[2]?.();
    await Promise.all(rollouts.slice(3));
    expect(started).toEqual([0, 1, 2, 3, 4]);
    releases[3]?.();
    releases[4]?.();
    expect(slots.running).toBe(0);
    expect(slots.waiting).toBe(0);
  });

  it('refuses a limit that is not a whole number of at least 1, naming it', () => {
    expect(() => new RolloutSlots(0)).toThrow(/at least 1, got 0/);
    expect(() => new RolloutSlots(1.5)).toThrow(/got 1.5/);
  });

  it('defaults to two rollouts per core, at least two', () => {
    expect(defaultRolloutConcurrency(0)).toBe(2);
    expect(defaultRolloutConcurrency(1)).toBe(2);
    expect(defaultRolloutConcurrency(2)).toBe(4);
    expect(defaultRolloutConcurrency(8)).toBe(16);
  });
});
