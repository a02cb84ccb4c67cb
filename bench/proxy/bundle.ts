/**
 * Builds the proxy as `npm run build` does (`apps/proxy/bundle.mjs`: the esbuild bundle,
 * its launcher and its V8 code cache) into a scratch directory, so that the benchmark runs
 * exactly what meshed pods and container images run.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Builds the proxy into `outDir` and returns the launcher's path (`outDir/weft-proxy.cjs`). */
export function bundleProxy(repoRoot: string, outDir: string): string {
  execFileSync(process.execPath, [path.join(repoRoot, 'apps/proxy/bundle.mjs'), '--outdir', outDir], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return path.join(outDir, 'weft-proxy.cjs');
}
