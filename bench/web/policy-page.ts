/**
 * The policy page of a Service with 50 routes: how long from navigation until it is
 * interactive. A controller runs the demo, an HTTPRoute with 50 rules is applied to
 * demo/inventory, and the built dashboard's Service page is opened `runs` times in
 * Debian's Chromium. Interactive means: all 50 rules drawn, the form's weight slider
 * enabled and the lazily loaded YAML editor mounted. Also reports the main thread's busy
 * time (Chrome's TaskDuration), which stretches less than wall time on a loaded machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CDPSession, chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/support/chromium.ts';
import { adminToken, loginCode } from '../../e2e/support/login.ts';
import { freePort, type Owned, startController, startDashboard, stop } from '../../e2e/support/processes.ts';

/** Third octet of this bench's pod and service addresses (away from tests' and Lighthouse's). */
const OCTET = 49;
export const POLICY_PAGE_ROUTES = 50;
const ROUTE = 'inventory-many';
const PATH = '/services/demo/inventory';

export interface PolicyPageTimings {
  routes: number;
  /** Navigation start → interactive, ms, one per run. */
  interactiveMs: number[];
  /** Main-thread busy time until interactive, ms, one per run. */
  busyMs: number[];
}

/** An HTTPRoute on demo/inventory with `n` rules, each a path prefix split 90/10 to inventory-v2. */
export function manyRoutesYaml(n: number): string {
  const rules = Array.from(
    { length: n },
    (_, i) => `    - matches: [{ path: { type: PathPrefix, value: /r${i} } }]
      backendRefs:
        - { name: inventory, port: 8080, weight: 90 }
        - { name: inventory-v2, port: 8080, weight: 10 }`,
  ).join('\n');
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${ROUTE}, namespace: demo }
spec:
  parentRefs: [{ group: core, kind: Service, name: inventory, port: 8080 }]
  rules:
${rules}
`;
}

async function post(api: string, token: string, path: string, input: unknown): Promise<unknown> {
  const res = await fetch(`${api}/trpc/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: unknown }; error?: unknown };
  if (!body.result) throw new Error(`${path}: ${JSON.stringify(body.error)}`);
  return body.result.data;
}

async function busy(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[];
  };
  return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
}

/** Opens the page `runs` times; `log` takes progress lines. */
export async function timePolicyPage(
  runs: number,
  root: string,
  log: (line: string) => void,
): Promise<PolicyPageTimings> {
  const stateDir = mkdtempSync(join(tmpdir(), 'weft-bench-policy-page-'));
  let controller: Owned | null = null;
  let dashboard: Owned | null = null;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
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
    const token = adminToken(stateDir);
    await post(api, token, 'policies.applyYaml', { yaml: manyRoutesYaml(POLICY_PAGE_ROUTES), dryRun: false });
    log(`[bench:web] applied HTTPRoute demo/${ROUTE} with ${POLICY_PAGE_ROUTES} rules`);
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const login = await context.newPage();
    await login.goto(`${base}/login/link?code=${await loginCode(api, stateDir)}`);
    // One unmeasured load, so the server's first-request work is not timed.
    await login.goto(`${base}${PATH}`, { waitUntil: 'networkidle' });
    await login.close();

    const out: PolicyPageTimings = { routes: POLICY_PAGE_ROUTES, interactiveMs: [], busyMs: [] };
    for (let i = 0; i < runs; i++) {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
      await page.goto(`${base}${PATH}`, { waitUntil: 'commit' });
      // In the page (a string: this bench is typed without the DOM library).
      const at = await page.waitForFunction(
        `(() => {
          const article = document.querySelector('[aria-label="HTTPRoute ${ROUTE}"]');
          if (!article?.querySelector('[aria-label="Backends of rule ${POLICY_PAGE_ROUTES}"]')) return false;
          if (!document.querySelector('[aria-label="Policy YAML"]')) return false;
          const label = Array.from(document.querySelectorAll('label')).find((l) =>
            (l.textContent ?? '').trim().startsWith('Weight of inventory-v2'),
          );
          const slider = label?.querySelector('input[type="range"]');
          return slider && !slider.disabled ? performance.now() : false;
        })()`,
        undefined,
        { polling: 'raf', timeout: 60_000 },
      );
      const ms = (await at.jsonValue()) as number;
      const b = await busy(cdp);
      out.interactiveMs.push(ms);
      out.busyMs.push(b);
      log(
        `[bench:web] policy page run ${i + 1}: interactive at ${ms.toFixed(0)} ms, main thread busy ${b.toFixed(0)} ms`,
      );
      await page.close();
    }
    return out;
  } finally {
    await browser.close();
    await stop(dashboard);
    await stop(controller);
    rmSync(stateDir, { recursive: true, force: true });
  }
}
