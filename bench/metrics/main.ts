/**
 * `npm run bench:metrics`: the embedded store's memory at 100 pods × 1 h at 5 s, then the
 * scrape cost per proxy. Each runs in its own process (the memory figure needs --expose-gc).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

for (const [file, flags] of [
  ['store-memory.ts', ['--expose-gc']],
  ['scrape-cost.ts', []],
] as const) {
  console.log(`\n=== ${file} ===`);
  const r = spawnSync(
    process.execPath,
    [...flags, '--import', 'tsx', fileURLToPath(new URL(`./${file}`, import.meta.url))],
    {
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) process.exitCode = 1;
}
