// `npm test`: installs what is missing, then runs every check in order (typecheck, lint, build,
// unit and integration tests, browser tests) and ends with one plain line,
// `N passed, N failed[, N skipped]`, exiting non-zero when anything failed or broke.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildOriginalDstAddon,
  CHROMIUM,
  ensureCaptureTools,
  ensureDebianPackage,
  ensureDependencies,
  ROOT,
} from './lib/ensure.mjs';

const REPORTS = join(ROOT, 'test-results', 'summary');
const totals = { passed: 0, failed: 0, skipped: 0 };
const broken = [];

/** Longest a step may run before it is stopped and counted as failed. */
const STEP_TIMEOUT_MS = 30 * 60 * 1000;

function run(title, cmd, args, env = {}) {
  console.log(`\n=== ${title} ===`);
  const started = Date.now();
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env },
    timeout: STEP_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  const timedOut = r.error?.code === 'ETIMEDOUT';
  const verdict =
    r.status === 0 ? 'ok' : timedOut ? `TIMED OUT after ${STEP_TIMEOUT_MS / 60000} min` : 'FAILED';
  console.log(`=== ${title}: ${verdict} in ${((Date.now() - started) / 1000).toFixed(1)} s ===`);
  return r.status === 0;
}

/** Counts read from a report: null unless every one is a whole number. */
function validCounts(c) {
  return [c.passed, c.failed, c.skipped].every((n) => Number.isInteger(n) && n >= 0) ? c : null;
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
    counts = validCounts(readCounts(JSON.parse(readFileSync(reportFile, 'utf8'))));
  } catch {
    counts = null;
  }
  if (counts) {
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.skipped += counts.skipped;
  }
  if (!counts) {
    totals.failed++;
    broken.push(`${title} (no readable report)`);
  } else if (!ok && counts.failed === 0) {
    totals.failed++;
    broken.push(`${title} (exited with an error)`);
  } else if (counts.failed > 0) broken.push(title);
  else if (counts.passed === 0) {
    totals.failed++;
    broken.push(`${title} (ran no test)`);
  }
}

function main() {
  try {
    ensureCaptureTools({ netns: true });
    ensureDependencies();
    buildOriginalDstAddon();
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
  } else if (!built) {
    totals.failed++;
    broken.push('browser tests (not run: the build failed)');
  } else {
    const pwReport = join(REPORTS, 'playwright.json');
    suite(
      'browser tests (playwright)',
      'npm',
      ['run', '-s', 'test:e2e'],
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
