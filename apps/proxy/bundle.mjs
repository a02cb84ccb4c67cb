// Builds the proxy into one ESM file, `dist/weft-proxy.mjs`: what a container image ships
// and what the local platform runs beside each meshed pod (no loader or transpiler in memory).
import { buildSync } from 'esbuild';

const here = new URL('.', import.meta.url).pathname;

buildSync({
  entryPoints: [`${here}src/main.ts`],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: `${here}dist/weft-proxy.mjs`,
  logLevel: 'warning',
  // A smaller source is less for V8 to parse and keep: about 5 MB less private memory per
  // proxy. Names are kept for stack traces and error names.
  minify: true,
  keepNames: true,
  // Some dependencies still call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __weftRequire } from 'node:module'; const require = __weftRequire(import.meta.url);",
  },
});
