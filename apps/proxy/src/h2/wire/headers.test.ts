import { describe, expect, it } from 'vitest';
import { toFields, toObject } from './headers.ts';

describe('h2 wire headers', () => {
  it('turns a field list into the object the pipeline reads, and back', () => {
    const h = toObject([
      ':method',
      'GET',
      ':path',
      '/',
      'x-a',
      '1',
      'x-a',
      '2',
      'cookie',
      'a=1',
      'cookie',
      'b=2',
    ]);
    expect(h).toEqual({ ':method': 'GET', ':path': '/', 'x-a': ['1', '2'], cookie: 'a=1; b=2' });
    expect(
      toFields({ 'x-b': 'y', ':status': 200, te: 'gzip', connection: 'close', 'x-a': ['1', '2'] }),
    ).toEqual([':status', '200', 'x-b', 'y', 'x-a', '1', 'x-a', '2']);
  });
});
