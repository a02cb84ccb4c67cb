/**
 * Lighthouse on every dashboard page, desktop preset, in Debian's Chromium: a controller
 * runs the demo with catalog meshed (as in the audit of issue 21), the built dashboard
 * points at it, and each page is audited `runs` times. Reports each page's median
 * performance and accessibility scores as ratios to the goals (performance 95,
 * accessibility 100) with its total blocking time, and writes
 * bench/results/web-lighthouse.json. A run that does not finish within RUN_TIMEOUT_MS
 * is reported as a failed run of its page instead of holding up the bench.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from '@playwright/test';
import lighthouse, { desktopConfig, type Result } from 'lighthouse';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/support/chromium.ts';
import { adminToken, loginCode } from '../../e2e/support/login.ts';
import { freePort, type Owned, startController, startDashboard, stop } from '../../e2e/support/processes.ts';

/** The goals of issue 21, as Lighthouse scores (0..100). */
export const GOALS = { performance: 95, accessibility: 100 } as const;

/** Third octet of the bench controller's pod and service addresses (away from tests'). */
const OCTET = 48;
const MESHED: [string, string] = ['demo', 'catalog'];
/**
 * The longest one Lighthouse run may take (it waits at most 45 s for a page to load, then
 * audits the trace); past it the run counts as failed and its tab is closed.
 */
const RUN_TIMEOUT_MS = Number(process.env.WEFT_BENCH_LIGHTHOUSE_TIMEOUT_MS ?? 180_000);
/** How long the unmeasured warm-up load of a page may wait for the network to go idle. */
const WARM_IDLE_MS = 10_000;

export const PAGES = [
  { name: 'overview', path: '/' },
  { name: 'namespace', path: '/namespaces/demo' },
  { name: 'topology', path: '/topology' },
  { name: 'workload', path: `/workloads/${MESHED[0]}/${MESHED[1]}` },
  { name: 'service', path: '/services/demo/inventory' },
  { name: 'identity', path: '/identity' },
  { name: 'health', path: '/health' },
  { name: 'tap', path: '/tap' },
] as const;

export interface PageScores {
  page: string;
  path: string;
  performance: number;
  accessibility: number;
  bestPractices: number;
  totalBlockingTimeMs: number;
  largestContentfulPaintMs: number;
  /** performance / 95 and accessibility / 100: 1 or more meets the goal. */
  performanceRatio: number;
  accessibilityRatio: number;
  /** Accessibility audits that failed in the median run, by id. */
  failedAccessibilityAudits: string[];
  /** Runs of this page that failed or timed out, with why (scores are of the other runs). */
  failedRuns: string[];
}

/** A tRPC call to the controller with the admin token. */
async function trpc(
  api: string,
  token: string,
  path: string,
  input: unknown,
  method: 'GET' | 'POST',
): Promise<unknown> {
  const query = method === 'GET' ? `?input=${encodeURIComponent(JSON.stringify(input))}` : '';
  const res = await fetch(`${api}/trpc/${path}${query}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: JSON.stringify(input) } : {}),
  });
  const body = (await res.json()) as { result?: { data: unknown }; error?: unknown };
  if (!body.result) throw new Error(`${path}: ${JSON.stringify(body.error)}`);
  return body.result.data;
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
}

/** A page none of whose runs finished: scores 0, so it cannot pass for meeting the goals. */
function failedPage(p: { name: string; path: string }, failedRuns: string[]): PageScores {
  return {
    page: p.name,
    path: p.path,
    performance: 0,
    accessibility: 0,
    bestPractices: 0,
    totalBlockingTimeMs: Number.NaN,
    largestContentfulPaintMs: Number.NaN,
    performanceRatio: 0,
    accessibilityRatio: 0,
    failedAccessibilityAudits: [],
    failedRuns,
  };
}

/**
 * One Lighthouse run of `url` in the browser's default context, bounded by RUN_TIMEOUT_MS:
 * on timeout the tab Lighthouse opened is closed (which ends its run) and this throws.
 */
async function auditOnce(browser: BrowserContext, port: number, url: string): Promise<Result> {
  const before = new Set(browser.pages());
  let timer: NodeJS.Timeout | undefined;
  const run = lighthouse(
    url,
    { port, output: 'json', logLevel: 'error', disableStorageReset: true },
    desktopConfig,
  );
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`did not finish within ${RUN_TIMEOUT_MS / 1000} s`)),
      RUN_TIMEOUT_MS,
    );
  });
  try {
    const lhr = (await Promise.race([run, timeout]))?.lhr;
    if (!lhr) throw new Error('Lighthouse returned nothing');
    if (lhr.runtimeError) throw new Error(lhr.runtimeError.message);
    return lhr;
  } catch (err) {
    // Close what the run left open, then give it a moment to unwind before the next run.
    await Promise.all(
      browser
        .pages()
        .filter((pg) => !before.has(pg))
        .map((pg) => pg.close().catch(() => undefined)),
    );
    await Promise.race([run.catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the audits; `log` takes progress lines. */
export async function auditPages(
  runs: number,
  root: string,
  log: (line: string) => void,
  dumpDir?: string,
  only?: readonly string[],
): Promise<PageScores[]> {
  const stateDir = mkdtempSync(join(tmpdir(), 'weft-bench-lighthouse-'));
  const profileDir = mkdtempSync(join(tmpdir(), 'weft-bench-chromium-'));
  let controller: Owned | null = null;
  let dashboard: Owned | null = null;
  const browserPort = await freePort();
  // The browser's default profile: the session cookie set by logging in there is the one
  // Lighthouse's own tab sees (its storage reset is turned off below so it stays).
  const browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, `--remote-debugging-port=${browserPort}`],
  });
  try {
    const apiPort = await freePort();
    controller = await startController({
      port: apiPort,
      stateDir,
      manifestsDir: join(root, 'examples/demo/manifests'),
      octet: OCTET,
    });
    const api = `http://127.0.0.1:${apiPort}`;
    const webPort = await freePort();
    dashboard = await startDashboard({ port: webPort, controllerUrl: api });
    const base = `http://127.0.0.1:${webPort}`;
    type W = { namespace: string; name: string; meshState: string; readyReplicas: number };
    const token = adminToken(stateDir);
    const find = async () =>
      ((await trpc(api, token, 'workloads.list', {}, 'GET')) as W[]).find(
        (w) => w.namespace === MESHED[0] && w.name === MESHED[1],
      );
    await until('the demo is ready', 60_000, async () => ((await find())?.readyReplicas ?? 0) >= 1);
    await trpc(api, token, 'workloads.mesh', { namespace: MESHED[0], name: MESHED[1] }, 'POST');
    await until(`${MESHED.join('/')} is meshed`, 90_000, async () => (await find())?.meshState === 'meshed');
    log(`[bench:web] ${MESHED.join('/')} meshed; letting traffic accumulate for 15 s`);
    await new Promise((r) => setTimeout(r, 15_000));
    // Log in as a user does (a one-time link), then one unmeasured load of each page, so
    // Next's first-request work is not audited.
    const warm = await browser.newPage();
    await warm.goto(`${base}/login/link?code=${await loginCode(api, stateDir)}`);
    for (const p of PAGES) {
      // A page with a live stream open (Tap) never goes network-idle: wait for it a bounded time.
      await warm.goto(`${base}${p.path}`, { waitUntil: 'load' });
      await warm.waitForLoadState('networkidle', { timeout: WARM_IDLE_MS }).catch(() => undefined);
      if (new URL(warm.url()).pathname.startsWith('/login'))
        throw new Error(`${p.path} sent the browser to log in`);
    }
    await warm.close();

    const out: PageScores[] = [];
    for (const p of PAGES.filter((x) => only === undefined || only.includes(x.name))) {
      const samples: PageScores[] = [];
      const failedRuns: string[] = [];
      for (let i = 0; i < runs; i++) {
        let lhr: Result;
        try {
          lhr = await auditOnce(browser, browserPort, `${base}${p.path}`);
        } catch (err) {
          const why = `run ${i + 1}: ${err instanceof Error ? err.message : String(err)}`;
          log(`[bench:web] lighthouse ${p.name} ${why}`);
          failedRuns.push(why);
          continue;
        }
        if (dumpDir) {
          mkdirSync(dumpDir, { recursive: true });
          writeFileSync(join(dumpDir, `${p.name}-${i + 1}.json`), JSON.stringify(lhr));
        }
        const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
        const numeric = (id: string) => Math.round(lhr.audits[id]?.numericValue ?? Number.NaN);
        const failed = (lhr.categories.accessibility?.auditRefs ?? [])
          .filter((r) => r.weight > 0 && (lhr.audits[r.id]?.score ?? 1) < 1)
          .map((r) => r.id);
        const s: PageScores = {
          page: p.name,
          path: p.path,
          performance: score('performance'),
          accessibility: score('accessibility'),
          bestPractices: score('best-practices'),
          totalBlockingTimeMs: numeric('total-blocking-time'),
          largestContentfulPaintMs: numeric('largest-contentful-paint'),
          performanceRatio: score('performance') / GOALS.performance,
          accessibilityRatio: score('accessibility') / GOALS.accessibility,
          failedAccessibilityAudits: failed,
          failedRuns,
        };
        log(
          `[bench:web] lighthouse ${p.name} run ${i + 1}: performance ${s.performance}, accessibility ${s.accessibility}, best practices ${s.bestPractices}, TBT ${s.totalBlockingTimeMs} ms, LCP ${s.largestContentfulPaintMs} ms${failed.length ? ` (failed: ${failed.join(', ')})` : ''}`,
        );
        samples.push(s);
      }
      // The run with the median performance score (the upper one of an even count) stands for the page.
      const sorted = [...samples].sort((a, b) => a.performance - b.performance);
      out.push(sorted[Math.floor(sorted.length / 2)] ?? failedPage(p, failedRuns));
    }
    return out;
  } finally {
    await browser.close();
    await stop(dashboard);
    await stop(controller);
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(profileDir, { recursive: true, force: true });
  }
}
