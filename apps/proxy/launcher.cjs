// The proxy's launcher, shipped as `dist/weft-proxy.cjs`: what `node weft-proxy.cjs` runs.
// It compiles the bundle beside it (`weft-proxy-bundle.cjs`) with V8's code cache
// (`weft-proxy.cache`, written at build time by bundle.mjs), so that a proxy starts
// without parsing and compiling most of its code again. A cache made by another node
// version, or under other V8 flags, is rejected by V8: the launcher then says so on stderr
// and the bundle compiles from source (slower start-up, same proxy).
//
// `--write-code-cache` (bundle.mjs only): run the proxy, and on SIGUSR2 (sent once it is
// ready) write the cache of everything compiled so far, then exit.
//
// CommonJS, not an ES module: node then starts without its ES module loader, about 6 ms
// and 0.3 MB of private memory less per proxy.
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { setFlagsFromString } = require('node:v8');
const { constants, Script } = require('node:vm');

const here = __dirname;
const BUNDLE = join(here, 'weft-proxy-bundle.cjs');
const CACHE = join(here, 'weft-proxy.cache');
const WRITE_FLAG = '--write-code-cache';

// V8 accepts a cache only under the flags it was made with. The proxy turns `--expose-gc`
// on when it first nudges the collector (runtime/gc-nudge.ts): set it first, so loading
// and writing agree.
setFlagsFromString('--expose-gc');

const writing = process.argv.includes(WRITE_FLAG);
if (writing) process.argv.splice(process.argv.indexOf(WRITE_FLAG), 1);

/**
 * Compiles the bundle, from the cache unless writing one. Locals end here, so that the
 * proxy keeps one copy of its source (V8's) and not the cache it was read from.
 */
function compile() {
  let cachedData;
  if (!writing) {
    try {
      cachedData = readFileSync(CACHE);
    } catch {
      // no cache shipped: compile from source
    }
  }
  // The file is one function expression (bundle.mjs wraps it): compiled as it is, not
  // concatenated into a second copy.
  const compiled = new Script(readFileSync(BUNDLE, 'utf8'), {
    filename: BUNDLE,
    ...(cachedData ? { cachedData } : {}),
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cachedData && compiled.cachedDataRejected) {
    process.stderr.write(
      'weft-proxy: code cache rejected (made by another node or under other flags); compiling from source\n',
    );
  }
  return compiled;
}

const script = compile();

if (writing) {
  process.once('SIGUSR2', () => {
    writeFileSync(`${CACHE}.tmp`, script.createCachedData());
    renameSync(`${CACHE}.tmp`, CACHE);
    process.exit(0);
  });
}

const bundleModule = { exports: {} };
script.runInThisContext()(bundleModule.exports, createRequire(BUNDLE), bundleModule, BUNDLE, here);
