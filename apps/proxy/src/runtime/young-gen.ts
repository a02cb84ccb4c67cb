/**
 * Keeps V8's young generation at its initial size while the proxy starts. Loading the
 * proxy keeps most of what it allocates, which V8 takes for a program that needs a larger
 * young generation: it doubles it (to the 2 MB semi-spaces `--max-semi-space-size=2`
 * allows, 4 MB in all) within the first milliseconds, and an idle proxy keeps that memory
 * until V8's memory reducer runs, some 10 s later. Imported first by main.ts, this module
 * turns that growth off; `releaseYoungGeneration()`, called once the proxy is ready,
 * gives V8 back its default, so the young generation grows under load as before.
 *
 * V8 reads the flag whenever it considers growing; its value when the proxy's code cache
 * is written (after ready) is the default again, as the cache requires (launcher.cjs).
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default growth factor of the young generation. */
const DEFAULT_GROWTH_FACTOR = 2;

setFlagsFromString('--semi-space-growth-factor=1');

/** Lets the young generation grow again (once the proxy is ready). */
export function releaseYoungGeneration(): void {
  setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`);
}
