/**
 * How far V8 lets the old generation grow past what survived the last full collection,
 * once the proxy forwards HTTP/2. Each HTTP/2 stream's objects (node:http2's and the
 * proxy's) live about as long as the stream, longer than the 2 MB young generation takes
 * to fill at a few thousand streams a second, so most are promoted and die in the old
 * generation. V8 reads that fast promotion as a reason to grow the heap up to 4 times its
 * live size (about 10 MB) before collecting it again: ~100 MB RSS under HTTP/2 load,
 * nearly all of it garbage. A fixed growth of 150% (2.5 times the live size) takes
 * 13-15 MB off that for about the same CPU (A/B on the HTTP/2 one-hop load, bench/proxy/ab-h2.ts).
 *
 * Set when node:http2 is first loaded (node-http2.ts), not among the node flags: under
 * HTTP/1 load V8's own factor is lower than 2.5, and the fixed one would add ~4 MB there.
 * V8 reads the flag at each full collection. A proxy writes its code cache before any
 * connection, so the cache is made under the flags it is loaded with (launcher.cjs).
 */
import { setFlagsFromString } from 'node:v8';

/** The old generation's growth past its live size, in percent, once HTTP/2 is forwarded. */
export const HTTP2_HEAP_GROWING_PERCENT = 150;

let set = false;

/** Fixes the old generation's growth for HTTP/2 load (once). */
export function boundHeapGrowthForHttp2(): void {
  if (set) return;
  set = true;
  setFlagsFromString(`--heap-growing-percent=${HTTP2_HEAP_GROWING_PERCENT}`);
}
