import { RedirectPlan } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { redirectLocation } from './redirect.ts';

const plan = (p: z.input<typeof RedirectPlan>) => RedirectPlan.parse(p);

describe('redirectLocation', () => {
  it('keeps the request scheme, host, port and path when the plan sets none', () => {
    expect(redirectLocation(plan({}), 'http', 'web:8080', '/a?b=1', undefined)).toBe('http://web:8080/a?b=1');
    expect(plan({}).statusCode).toBe(302);
  });

  it('replaces the hostname and keeps the request port', () => {
    expect(redirectLocation(plan({ hostname: 'example.org' }), 'http', 'web:8080', '/a', undefined)).toBe(
      'http://example.org:8080/a',
    );
  });

  it('uses the well-known port of a scheme the plan sets, and leaves it out', () => {
    expect(redirectLocation(plan({ scheme: 'https' }), 'http', 'web:8080', '/a', undefined)).toBe(
      'https://web/a',
    );
    expect(redirectLocation(plan({ scheme: 'http' }), 'https', 'web:8443', '/a', undefined)).toBe(
      'http://web/a',
    );
  });

  it('shows a port only when it is not the scheme default', () => {
    expect(redirectLocation(plan({ port: 80 }), 'http', 'web:8080', '/', undefined)).toBe('http://web/');
    expect(redirectLocation(plan({ port: 443 }), 'http', 'web', '/', undefined)).toBe('http://web:443/');
    expect(redirectLocation(plan({ scheme: 'https', port: 443 }), 'http', 'web', '/', undefined)).toBe(
      'https://web/',
    );
    expect(redirectLocation(plan({ scheme: 'https', port: 8443 }), 'http', 'web', '/', undefined)).toBe(
      'https://web:8443/',
    );
    expect(redirectLocation(plan({}), 'http', 'web:80', '/', undefined)).toBe('http://web/');
  });

  it('handles IPv6 hosts', () => {
    expect(redirectLocation(plan({}), 'http', '[::1]:8080', '/x', undefined)).toBe('http://[::1]:8080/x');
    expect(redirectLocation(plan({ port: 9000 }), 'http', '[::1]', '/x', undefined)).toBe(
      'http://[::1]:9000/x',
    );
  });

  it('ReplaceFullPath replaces the path and keeps the query', () => {
    const p = plan({ path: { type: 'ReplaceFullPath', value: '/new' } });
    expect(redirectLocation(p, 'http', 'web', '/old/deep?x=1', undefined)).toBe('http://web/new?x=1');
  });

  it('ReplacePrefixMatch replaces the matched prefix element-wise', () => {
    const cases: [string, string, string, string][] = [
      // matched prefix, request path, replacement, result
      ['/foo', '/foo/bar', '/xyz', '/xyz/bar'],
      ['/foo', '/foo/bar', '/xyz/', '/xyz/bar'],
      ['/foo/', '/foo/bar', '/xyz', '/xyz/bar'],
      ['/foo', '/foo', '/xyz', '/xyz'],
      ['/foo', '/foo/', '/xyz', '/xyz/'],
      ['/foo', '/foo/bar', '/', '/bar'],
      ['/foo', '/foo', '/', '/'],
      ['/', '/foo', '/xyz', '/xyz/foo'],
      ['/foo', '/foo/bar?q=1', '/xyz', '/xyz/bar?q=1'],
    ];
    for (const [prefix, path, value, want] of cases) {
      const p = plan({ path: { type: 'ReplacePrefixMatch', value } });
      expect(redirectLocation(p, 'http', 'web', path, prefix), `${prefix} ${path} ${value}`).toBe(
        `http://web${want}`,
      );
    }
  });
});
