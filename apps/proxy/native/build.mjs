// Builds the proxy's original-destination addon (`original-dst.c` → build/original-dst.node)
// with the system C compiler against the running Node's own headers: run by `npm ci` (the
// proxy workspace's install script) and by `scripts/lib/ensure.mjs`. It never fails the
// install: without a compiler or headers it says so in one line, and the proxy then runs
// in explicit-proxy mode only (transparent capture needs the addon).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const source = join(here, 'original-dst.c');
const out = join(here, 'build', 'original-dst.node');

/** Where the running Node keeps node_api.h (official tarballs and Debian's nodejs-dev). */
function nodeHeaders() {
  const candidates = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((d) => existsSync(join(d, 'node_api.h')));
}

function main() {
  if (process.platform !== 'linux') {
    console.log('[weft] original-dst addon: not built (SO_ORIGINAL_DST exists on Linux only)');
    return;
  }
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs) return;
  const headers = nodeHeaders();
  if (headers === undefined) {
    console.log('[weft] original-dst addon: not built (node_api.h not found next to node)');
    return;
  }
  const cc = process.env.CC || 'cc';
  mkdirSync(join(here, 'build'), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const r = spawnSync(
    cc,
    [
      '-O2',
      '-Wall',
      '-shared',
      '-fPIC',
      '-DNODE_GYP_MODULE_NAME=original_dst',
      `-I${headers}`,
      '-o',
      tmp,
      source,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 60_000 },
  );
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `${cc} exited ${r.status}`;
    console.log(`[weft] original-dst addon: not built (${why}; install build-essential)`);
    return;
  }
  renameSync(tmp, out);
  console.log(`[weft] original-dst addon built: ${out}`);
}

main();
