import { describe, expect, it } from 'vitest';
import { unsafeRegexReason } from './regex-safety.ts';

describe('unsafeRegexReason', () => {
  it('refuses nested unbounded repetition', () => {
    for (const p of [
      '(a+)+',
      '(a*)*',
      '/x/(\\w+\\s?)*$',
      '((ab)*c)+',
      '(?:[a-z]+/)+end',
      '(a{1,})+',
      '(a+){2,}',
      '(.*){20}',
    ]) {
      expect(unsafeRegexReason(p), p).toBeDefined();
    }
  });

  it('accepts what route regexes usually look like', () => {
    for (const p of [
      '/items/[0-9]+',
      '/api/v[0-9]+/users/[^/]+',
      '(\\d{1,3}\\.){3}\\d{1,3}',
      '/(foo|bar)/.*',
      '(ab)+',
      '[(+*)]+',
      '\\(a+\\)+',
      '(?:/[a-z]{2,8})?/home',
      'v[23]',
    ]) {
      expect(unsafeRegexReason(p), p).toBeUndefined();
    }
  });
});
