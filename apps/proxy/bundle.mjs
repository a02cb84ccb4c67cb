// Builds the proxy into `dist/` (or `--outdir DIR`): what a container image ships and what
// the local platform runs beside each meshed pod (no loader or transpiler in memory).
//   weft-proxy-bundle.cjs  the whole proxy in one CommonJS function expression (esbuild)
//   weft-proxy.cjs         the launcher node runs (launcher.cjs): compiles the bundle with...
//   weft-proxy.cache       ...V8's code cache of what a proxy compiles until it is ready, made
//                          here by starting the proxy once (skipped, with a warning, if that fails)
// CommonJS because V8's code cache is open to scripts (`vm.Script`), not to ES modules.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const here = new URL('.', import.meta.url).pathname;

/**
 * The node flags meshed pods run the proxy with (the local platform's `proxyNodeArgs`, the
 * image's ENTRYPOINT): the code cache is made under the same, or V8 rejects it.
 */
export const PROXY_NODE_FLAGS = ['--max-semi-space-size=2'];

/** Bound on starting the proxy to make its code cache. */
const CACHE_DEADLINE_MS = 30_000;

/**
 * zod's error messages in 40 languages are 270 kB of the bundle and about 10 MB of private
 * memory per proxy; the proxy speaks English only (zod's default), so only `en` is kept.
 */
const englishOnlyZod = {
  name: 'english-only-zod',
  setup(b) {
    b.onLoad({ filter: /zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      loader: 'js',
      resolveDir: args.path.replace(/[\\/]index\.js$/, ''),
    }));
  },
};

/**
 * prom-client's index loads every part of it at once, among them the cluster aggregator
 * and the push gateway (with node's cluster, child_process, https and zlib): a few ms of
 * every start for parts the proxy never uses (it takes only `Registry`). Each
 * `exports.X = require(...)` becomes a getter that loads its part when first read: nothing
 * is missing, only deferred.
 */
const lazyPromClient = {
  name: 'lazy-prom-client',
  setup(b) {
    b.onLoad({ filter: /prom-client[\\/]index\.js$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(
        /^exports\.(\w+) =\s*(require\('[^']+'\)[^;]*);/gm,
        "Object.defineProperty(exports, '$1', { enumerable: true, get: () => $2 });",
      ),
      loader: 'js',
    }));
  },
};

/** Bundles the proxy into `outDir`, makes its code cache, and returns the launcher's path. */
export async function buildProxy(outDir, log = (line) => process.stderr.write(`${line}\n`)) {
  mkdirSync(outDir, { recursive: true });
  const bundle = join(outDir, 'weft-proxy-bundle.cjs');
  const launcher = join(outDir, 'weft-proxy.cjs');
  const cache = join(outDir, 'weft-proxy.cache');
  rmSync(cache, { force: true });
  // the ES module launcher of earlier builds, which would not find its bundle
  rmSync(join(outDir, 'weft-proxy.mjs'), { force: true });
  await build({
    entryPoints: [`${here}src/main.ts`],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: bundle,
    logLevel: 'warning',
    // A smaller source is less for V8 to parse and keep: about 5 MB less private memory per
    // proxy. Identifiers are not shortened, so functions and classes keep their names (for
    // stack traces and error names) as declared: esbuild's `keepNames`, which re-sets the
    // name of each of the ~1,000 functions at load, costs 0.5 MB more than the longer source.
    minifyWhitespace: true,
    minifySyntax: true,
    plugins: [englishOnlyZod, lazyPromClient],
    // One function expression of CommonJS's parameters, which the launcher compiles as it
    // is (its source then exists once in memory); strict, as the ES module sources are,
    // and given the URL they find files by.
    define: { 'import.meta.url': '__weftModuleUrl' },
    banner: {
      js: "(function (exports, require, module, __filename, __dirname) {'use strict';var __weftModuleUrl = require('node:url').pathToFileURL(__filename).href;",
    },
    footer: { js: '})' },
  });
  copyFileSync(`${here}launcher.cjs`, launcher);
  try {
    await writeCodeCache(launcher);
  } catch (err) {
    log(`proxy build: no code cache (${err.message}); the proxy compiles at each start`);
  }
  return launcher;
}

/** Starts the proxy once on ephemeral ports and has it write its code cache once ready. */
async function writeCodeCache(launcher) {
  const dir = mkdtempSync(join(tmpdir(), 'weft-proxy-cache-'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      inbound: { host: '127.0.0.1', appHost: '127.0.0.1', ports: [] },
      outbound: { listen: '127.0.0.1:0' },
      admin: { listen: '127.0.0.1:0' },
    }),
  );
  // Only the config file configures it (no controller, no identity from the environment).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WEFT_PROXY_')));
  const child = spawn(
    process.execPath,
    [...PROXY_NODE_FLAGS, launcher, '--write-code-cache', '--config', config],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  try {
    await new Promise((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error('the proxy did not start in time')), CACHE_DEADLINE_MS);
      child.stderr.on('data', (d) => {
        text = (text + d.toString()).slice(-4096);
        if (text.includes('ready:')) child.kill('SIGUSR2');
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`the proxy exited with ${code}: ${text.trim().split('\n').pop()}`));
      });
    });
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const i = process.argv.indexOf('--outdir');
  await buildProxy(i > 0 ? process.argv[i + 1] : `${here}dist`);
}
