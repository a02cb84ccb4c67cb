import { describe, expect, it } from 'vitest';
import { grpcTimeoutMs } from './grpc-timeout.ts';

describe('grpcTimeoutMs', () => {
  it('reads each unit, rounding sub-millisecond values up', () => {
    expect(grpcTimeoutMs('2H')).toBe(7_200_000);
    expect(grpcTimeoutMs('3M')).toBe(180_000);
    expect(grpcTimeoutMs('5S')).toBe(5_000);
    expect(grpcTimeoutMs('250m')).toBe(250);
    expect(grpcTimeoutMs('1500u')).toBe(2);
    expect(grpcTimeoutMs('1n')).toBe(1);
    expect(grpcTimeoutMs('0m')).toBe(0);
    expect(grpcTimeoutMs('99999999m')).toBe(99_999_999);
  });

  it('ignores what is absent, malformed, or too long for a timer', () => {
    for (const bad of [undefined, '', 'm', '10', '10s', '10 m', '-1m', '1.5S', '123456789m', 'abcS']) {
      expect(grpcTimeoutMs(bad)).toBe(-1);
    }
    // 99,999,999 hours would overflow Node's timer and fire at once: no deadline instead
    expect(grpcTimeoutMs('99999999H')).toBe(-1);
  });
});
