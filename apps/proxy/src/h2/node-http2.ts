/**
 * `node:http2`, loaded when the proxy first needs it (its first HTTP/2 connection or
 * endpoint session) rather than at start-up: most proxies speak HTTP/1 only, and the
 * module with its native binding is about 1.5 MB of private memory and a few ms of every
 * start. The other h2 modules import its types only, call `http2()` for its functions,
 * and name the nghttp2 constants they use from `NGHTTP2` below.
 */
import { createRequire } from 'node:module';
import { installLeanAsyncBind } from '../runtime/async-bind.ts';
import { boundHeapGrowthForHttp2 } from '../runtime/heap-growth.ts';

type Http2Module = typeof import('node:http2');

let loaded: Http2Module | null = null;

/** The `node:http2` module, loaded on the first call. */
export function http2(): Http2Module {
  if (loaded === null) {
    // node:http2 binds an AsyncResource per client stream: the lean bind (async-bind.ts)
    installLeanAsyncBind();
    // and promotes most of each stream's objects: a bounded heap growth (heap-growth.ts)
    boundHeapGrowthForHttp2();
    loaded = createRequire(import.meta.url)('node:http2') as Http2Module;
  }
  return loaded;
}

/**
 * The nghttp2 constants the proxy uses (`http2.constants` has the same values): error
 * codes of RFC 9113 section 7, and the END_STREAM flag of a HEADERS frame.
 */
export const NGHTTP2 = {
  NO_ERROR: 0x0,
  INTERNAL_ERROR: 0x2,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  ENHANCE_YOUR_CALM: 0xb,
  FLAG_END_STREAM: 0x1,
} as const;
