// `npm test`: installs what is missing, then runs every check in order (typecheck, lint, build,
// unit and integration tests, browser tests) and ends with one plain line,
// `N passed, N failed[, N skipped]`, exiting non-zero when anything failed or broke.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, ensureDebianPackage, ensureDependencies, ROOT } from './lib/ensure.mjs';

const REPORTS = join(ROOT, 'test-results', 'summary');
const totals = { passed: 0, failed: 0, skipped: 0 };
const broken = [];

function run(title, cmd, args, env = {}) {
  console.log(`\n=== ${title} ===`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(
    `=== ${title}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s ===`,
  );
  return r.status === 0;
}

/** A step that is one check: it counts as one passed or one failed. */
function check(title, cmd, args) {
  if (run(title, cmd, args)) totals.passed++;
  else {
    totals.failed++;
    broken.push(title);
  }
}

/** A step that runs tests: counts come from its JSON report; a crash counts as one failure. */
function suite(title, cmd, args, reportFile, readCounts, env) {
  rmSync(reportFile, { force: true });
  const ok = run(title, cmd, args, env);
  let counts = null;
  try {
    counts = readCounts(JSON.parse(readFileSync(reportFile, 'utf8')));
  } catch {
    counts = null;
  }
  if (counts) {
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.skipped += counts.skipped;
  }
  if (!ok && (!counts || counts.failed === 0)) {
    totals.failed++;
    broken.push(`${title} (exited with an error)`);
  } else if (counts && counts.failed > 0) broken.push(title);
}

function main() {
  try {
    ensureDependencies();
  } catch (err) {
    console.error(`[weft] ${err.message}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  mkdirSync(REPORTS, { recursive: true });

  check('typecheck', 'npm', ['run', '-s', 'typecheck']);
  check('lint', 'npm', ['run', '-s', 'lint']);

  // Build first: the proxy bundle is what meshed pods run in the integration tests.
  const built =
    existsSync(join(ROOT, 'apps/web/package.json')) && run('build', 'npm', ['run', '-s', 'build']);
  if (built) totals.passed++;
  else {
    totals.failed++;
    broken.push('build');
  }

  const vitestReport = join(REPORTS, 'vitest.json');
  suite(
    'unit and integration tests (vitest)',
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`],
    vitestReport,
    (r) => ({
      passed: r.numPassedTests,
      failed: r.numFailedTests,
      skipped: r.numPendingTests + r.numTodoTests,
    }),
  );

  let haveChromium = false;
  try {
    haveChromium = ensureDebianPackage('chromium', CHROMIUM);
  } catch (err) {
    console.error(`[weft] could not install chromium: ${err.message}`);
  }
  if (!haveChromium) {
    totals.failed++;
    broken.push('browser tests (no Chromium: install the Debian package "chromium")');
  } else if (built) {
    const pwReport = join(REPORTS, 'playwright.json');
    suite(
      'browser tests (playwright)',
      'npm',
      ['run', '-s', 'test:e2e', '--', '--pass-with-no-tests'],
      pwReport,
      (r) => ({
        passed: r.stats.expected + r.stats.flaky,
        failed: r.stats.unexpected,
        skipped: r.stats.skipped,
      }),
      { PLAYWRIGHT_JSON_OUTPUT_FILE: pwReport },
    );
  }

  if (broken.length > 0) console.log(`\nFailed: ${broken.join('; ')}`);
  const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : '';
  console.log(`${totals.passed} passed, ${totals.failed} failed${skipped}`);
  process.exit(totals.failed > 0 ? 1 : 0);
}

main();
