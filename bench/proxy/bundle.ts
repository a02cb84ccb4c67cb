/**
 * Builds the proxy into one ESM file with esbuild, as a container image would ship it,
 * so that the benchmark can compare running from source under tsx (the default, what
 * `npm run proxy` does) with running the bundle (no loader or transpiler in memory).
 */
import path from 'node:path';
import { buildSync } from 'esbuild';

/** Bundles `apps/proxy/src/main.ts` into `outDir/weft-proxy.mjs` and returns its path. */
export function bundleProxy(repoRoot: string, outDir: string): string {
  const outfile = path.join(outDir, 'weft-proxy.mjs');
  buildSync({
    entryPoints: [path.join(repoRoot, 'apps/proxy/src/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
    // as apps/proxy/bundle.mjs builds it
    minify: true,
    keepNames: true,
    // Some dependencies still call require(): give the ESM bundle one.
    banner: {
      js: "import { createRequire as __weftRequire } from 'node:module'; const require = __weftRequire(import.meta.url);",
    },
  });
  return outfile;
}
