/**
 * Which proxy the local platform runs beside a meshed pod, and how: the build's launcher
 * (`apps/proxy/dist/weft-proxy.cjs`, built by `npm run build`) when it is newer than
 * every proxy and shared source file, else the sources under tsx. The bundle starts in
 * about half the time and holds far less memory, with no loader or transpiler in it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const BUNDLE = 'apps/proxy/dist/weft-proxy.cjs';
const SOURCE = 'apps/proxy/src/main.ts';
const SOURCE_DIRS = ['apps/proxy/src', 'packages/shared/src'];

/** Newest modification time below `dir`, in ms (0 when it does not exist). */
function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The proxy entry point for this checkout: the bundle when it is fresh, else the source. */
export function defaultProxyMain(repoRoot: string): string {
  const bundle = join(repoRoot, BUNDLE);
  if (existsSync(bundle)) {
    const sources = Math.max(...SOURCE_DIRS.map((d) => newestMtime(join(repoRoot, d))));
    if (statSync(bundle).mtimeMs >= sources) return bundle;
  }
  return join(repoRoot, SOURCE);
}

/**
 * Node arguments to run `main`: TypeScript through tsx, JavaScript as it is. A small
 * young generation keeps a proxy's resident memory low under load. The build's code cache
 * is made under these same flags (`PROXY_NODE_FLAGS` in apps/proxy/bundle.mjs): change both.
 */
export function proxyNodeArgs(main: string): string[] {
  return main.endsWith('.ts') ? ['--import', 'tsx', main] : ['--max-semi-space-size=2', main];
}
