// Builds the controller into one ESM file, `dist/weft-controller.mjs`: what its container
// image ships (see Dockerfile).
import { buildSync } from 'esbuild';

const here = new URL('.', import.meta.url).pathname;

buildSync({
  entryPoints: [`${here}src/main.ts`],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: `${here}dist/weft-controller.mjs`,
  logLevel: 'warning',
  // Some dependencies still call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __weftRequire } from 'node:module'; const require = __weftRequire(import.meta.url);",
  },
});
