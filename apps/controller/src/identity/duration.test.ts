import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads units and bare seconds', () => {
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(parseDuration('60')).toBe(60_000);
    expect(parseDuration('1500ms')).toBe(1500);
  });
  it('refuses what is not a duration, naming the setting', () => {
    expect(() => parseDuration('soon', 'WEFT_IDENTITY_CERT_LIFETIME')).toThrow(
      /WEFT_IDENTITY_CERT_LIFETIME: "soon" is not a duration/,
    );
    expect(() => parseDuration('10ms')).toThrow(/at least 1s/);
  });
});
