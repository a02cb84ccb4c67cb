import { describe, expect, it } from 'vitest';
import { backendsWithPanic } from './panic.ts';

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
