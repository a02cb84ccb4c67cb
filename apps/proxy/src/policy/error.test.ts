import { describe, expect, it } from 'vitest';
import { compileFullMatch, ProxyPolicyError } from './error.ts';

describe('compileFullMatch', () => {
  it('refuses an unsafe pattern with the field named, and anchors safe ones', () => {
    expect(() => compileFullMatch('(a+)+b', 'routes[0].matches[0].path.value')).toThrow(ProxyPolicyError);
    expect(() => compileFullMatch('(a+)+b', 'routes[0].matches[0].path.value')).toThrow(
      /routes\[0\]\.matches\[0\]\.path\.value: regular expression .* refused/,
    );
    const re = compileFullMatch('/a|/b', 'f');
    expect(re.test('/a')).toBe(true);
    expect(re.test('/b')).toBe(true);
    expect(re.test('/ab')).toBe(false);
    expect(re.test('x/a')).toBe(false);
  });

  it('refuses a pattern that does not compile', () => {
    expect(() => compileFullMatch('[a-', 'f')).toThrow(/f: invalid regular expression/);
  });
});
