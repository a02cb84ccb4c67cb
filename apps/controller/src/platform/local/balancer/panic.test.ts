import { describe, expect, it } from 'vitest';
import { backendsWithPanic, panicBackends } from './panic.ts';

describe('backendsWithPanic', () => {
  it('uses the ready pods while at least half of the running ones are ready', () => {
    expect(backendsWithPanic(['a', 'b'], ['a', 'b', 'c'])).toEqual(['a', 'b']);
    expect(backendsWithPanic(['a'], ['a', 'b'])).toEqual(['a']);
  });

  it('uses every running pod when most look unhealthy, so a service is never left with none', () => {
    expect(backendsWithPanic(['a'], ['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(backendsWithPanic([], ['a', 'b'])).toEqual(['a', 'b']);
  });

  it('has nothing to add when no pod runs', () => {
    expect(backendsWithPanic([], [])).toEqual([]);
  });
});

describe('panicBackends', () => {
  const pod = (name: string, ready: boolean, running: boolean, readySinceStart: boolean) => ({
    name,
    ready,
    running,
    readySinceStart,
  });
  const names = (pods: { name: string }[]) => pods.map((p) => p.name);

  it('never falls back on a pod that has not been ready since it started (it may not listen yet)', () => {
    // start-up: the only pod is starting
    expect(names(panicBackends([pod('new', false, true, false)]))).toEqual([]);
    // a rollout under a starved CPU: the old pod misses probes while the new one starts
    expect(names(panicBackends([pod('old', false, true, true), pod('new', false, true, false)]))).toEqual([
      'old',
    ]);
  });

  it('falls back on every running pod that was ready since it started, when most look unhealthy', () => {
    const pods = [pod('a', true, true, true), pod('b', false, true, true), pod('c', false, true, true)];
    expect(names(panicBackends(pods))).toEqual(['a', 'b', 'c']);
    expect(names(panicBackends([pod('a', true, true, true), pod('new', false, true, false)]))).toEqual(['a']);
  });
});
