import { HeaderModifierPlan } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ProxyPolicyError } from './error.ts';
import { compileHeaderModifier, HeaderModifier } from './headers.ts';

const mod = (p: z.input<typeof HeaderModifierPlan>) => new HeaderModifier(HeaderModifierPlan.parse(p));

describe('HeaderModifier on HTTP/1 pairs', () => {
  it('adds, sets and removes, matching names case-insensitively', () => {
    const m = mod({
      add: [{ name: 'X-Added', value: 'a' }],
      set: [{ name: 'x-env', value: 'canary' }],
      remove: ['X-Secret'],
    });
    const out = m.applyToPairs([
      'Host',
      'web',
      'X-ENV',
      'prod',
      'x-env',
      'dev',
      'x-secret',
      's',
      'Accept',
      '*/*',
    ]);
    expect(out).toEqual(['Host', 'web', 'Accept', '*/*', 'X-Added', 'a', 'x-env', 'canary']);
  });

  it('add appends to existing values instead of replacing them', () => {
    const out = mod({ add: [{ name: 'via', value: 'weft' }] }).applyToPairs(['Via', '1.1 edge']);
    expect(out).toEqual(['Via', '1.1 edge', 'via', 'weft']);
  });

  it('leaves its input unchanged, so each attempt of a retried request gets the same result', () => {
    const m = mod({ add: [{ name: 'x-attempt', value: '1' }], remove: ['x-drop'] });
    const input = ['Host', 'web', 'x-drop', 'y'];
    const first = m.applyToPairs(input);
    const second = m.applyToPairs(input);
    expect(input).toEqual(['Host', 'web', 'x-drop', 'y']);
    expect(second).toEqual(first);
    expect(first).toEqual(['Host', 'web', 'x-attempt', '1']);
  });

  it('set beats add and remove beats both for the same name', () => {
    const m = mod({
      add: [
        { name: 'x-a', value: 'added' },
        { name: 'x-b', value: 'added' },
      ],
      set: [
        { name: 'X-A', value: 'set' },
        { name: 'x-b', value: 'set' },
      ],
      remove: ['x-b'],
    });
    expect(m.applyToPairs(['x-a', 'old', 'x-b', 'old'])).toEqual(['X-A', 'set']);
  });

  it('set on a missing header adds it; remove of a missing header changes nothing', () => {
    expect(
      mod({ set: [{ name: 'x-new', value: '1' }], remove: ['x-gone'] }).applyToPairs(['a', 'b']),
    ).toEqual(['a', 'b', 'x-new', '1']);
  });
});

describe('HeaderModifier on node:http2 header objects', () => {
  it('modifies the object in place with lower-case names', () => {
    const m = mod({
      add: [{ name: 'X-Added', value: 'a' }],
      set: [{ name: 'X-Env', value: 'canary' }],
      remove: ['x-secret'],
    });
    const h: Record<string, string | string[] | undefined> = {
      ':path': '/a',
      'x-env': 'prod',
      'x-secret': 's',
      'x-added': 'first',
    };
    m.applyToObject(h);
    expect(h).toEqual({ ':path': '/a', 'x-env': 'canary', 'x-added': ['first', 'a'] });
  });

  it('adds to an existing list of values', () => {
    const h: Record<string, string | string[] | undefined> = { via: ['a', 'b'] };
    mod({ add: [{ name: 'via', value: 'c' }] }).applyToObject(h);
    expect(h.via).toEqual(['a', 'b', 'c']);
  });
});

describe('compileHeaderModifier', () => {
  it('returns null for no plan or one that changes nothing', () => {
    expect(compileHeaderModifier(undefined, 'f')).toBeNull();
    expect(compileHeaderModifier(HeaderModifierPlan.parse({}), 'f')).toBeNull();
  });

  it('rejects names and values that would corrupt a request, naming the field', () => {
    const bad = (p: z.input<typeof HeaderModifierPlan>) => () =>
      compileHeaderModifier(HeaderModifierPlan.parse(p), 'routes[0].requestHeaders');
    expect(bad({ set: [{ name: 'x-a', value: 'one\r\nx-injected: 1' }] })).toThrow(ProxyPolicyError);
    expect(bad({ set: [{ name: 'x-a', value: 'one\r\nx-injected: 1' }] })).toThrow(
      /routes\[0\]\.requestHeaders\.set\[0\]\.value/,
    );
    expect(bad({ add: [{ name: 'bad name', value: 'v' }] })).toThrow(/add\[0\]\.name/);
    expect(bad({ remove: [':path'] })).toThrow(/remove\[0\]/);
  });
});
