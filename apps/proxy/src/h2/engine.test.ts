import { describe, expect, it } from 'vitest';
import { h2Engine } from './index.ts';

describe('h2Engine', () => {
  it('serves HTTP/2 on h2wire unless WEFT_PROXY_H2_ENGINE asks for node:http2', () => {
    expect(h2Engine({})).toBe('wire');
    expect(h2Engine({ WEFT_PROXY_H2_ENGINE: 'wire' })).toBe('wire');
    expect(h2Engine({ WEFT_PROXY_H2_ENGINE: 'node' })).toBe('node');
  });
});
