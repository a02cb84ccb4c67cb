import nodeHttp2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { http2, NGHTTP2 } from './node-http2.ts';

describe('node-http2', () => {
  it('names the nghttp2 constants with the values node:http2 gives them', () => {
    const c = nodeHttp2.constants;
    expect(NGHTTP2).toEqual({
      NO_ERROR: c.NGHTTP2_NO_ERROR,
      INTERNAL_ERROR: c.NGHTTP2_INTERNAL_ERROR,
      REFUSED_STREAM: c.NGHTTP2_REFUSED_STREAM,
      CANCEL: c.NGHTTP2_CANCEL,
      ENHANCE_YOUR_CALM: c.NGHTTP2_ENHANCE_YOUR_CALM,
      FLAG_END_STREAM: c.NGHTTP2_FLAG_END_STREAM,
    });
  });

  it('loads node:http2 itself', () => {
    expect(http2().createServer).toBe(nodeHttp2.createServer);
    expect(http2()).toBe(http2());
  });
});
