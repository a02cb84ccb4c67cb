/**
 * The dashboard tells the truth and can be used without a mouse or colour vision, on a
 * real controller running the demo with real proxies (this file owns its controller and
 * dashboard, so it can mesh everything):
 * - a keyboard-only path: open a namespace, mesh a workload, follow its rollout, open
 *   its page, reach the topology and select a node, focus visible at every step;
 * - with the whole demo meshed, no `unknown` caller anywhere in the topology;
 * - the workload page's lock is an icon (an svg), and the sidebar spans the long page;
 * - axe-core finds no serious or critical WCAG 2.1 A/AA violation on any page, in the light
 *   theme and in the dark one (the system set to dark).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { axeVersion, seriousViolations } from '../support/axe.ts';
import { adminToken, logIn } from '../support/login.ts';
import {
  freePort,
  type Owned,
  REPO_ROOT,
  startController,
  startDashboard,
  stop,
} from '../support/processes.ts';
import { screenshot } from '../support/screenshot.ts';

/** Third octet of this file's pod and service addresses (away from the other specs'). */
const OCTET = 46;
/** Workloads the demo runs at least (the test meshes every one the controller lists). */
const DEMO: Array<[string, string]> = [
  ['demo', 'web'],
  ['demo', 'catalog'],
  ['demo', 'inventory'],
  ['demo', 'traffic'],
  ['reviews', 'ratings'],
];

let controller: Owned | null = null;
let dashboard: Owned | null = null;
let api = '';
let base = '';
let stateDir = '';
const dirs: string[] = [];

test.describe.configure({ mode: 'serial' });

interface WorkloadRow {
  namespace: string;
  name: string;
  meshState: string;
  meshedReplicas: number;
  replicas: number;
  readyReplicas: number;
}

async function trpcQuery<T>(path: string, input: unknown): Promise<T> {
  const res = await fetch(`${api}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: { authorization: `Bearer ${adminToken(stateDir)}` },
  });
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!body.result) throw new Error(`${path}: ${JSON.stringify(body.error)}`);
  return body.result.data;
}

async function trpcMutation(path: string, input: unknown): Promise<void> {
  const res = await fetch(`${api}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken(stateDir)}` },
    body: JSON.stringify(input),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

const workloads = () => trpcQuery<WorkloadRow[]>('workloads.list', {});

test.beforeAll(async () => {
  test.setTimeout(120_000);
  stateDir = mkdtempSync(join(tmpdir(), 'weft-e2e-truth-'));
  dirs.push(stateDir);
  const apiPort = await freePort();
  controller = await startController({
    port: apiPort,
    stateDir,
    manifestsDir: join(REPO_ROOT, 'examples/demo/manifests'),
    octet: OCTET,
  });
  api = `http://127.0.0.1:${apiPort}`;
  const webPort = await freePort();
  dashboard = await startDashboard({ port: webPort, controllerUrl: api });
  base = `http://127.0.0.1:${webPort}`;
  await expect
    .poll(
      async () => {
        const all = await workloads();
        return DEMO.every(([ns, name]) =>
          all.some((w) => w.namespace === ns && w.name === name && w.readyReplicas >= 1),
        );
      },
      { timeout: 60_000 },
    )
    .toBe(true);
});

test.beforeEach(async ({ page }) => {
  await logIn(page, { webUrl: base, apiUrl: api, stateDir });
});

test.afterAll(async () => {
  await stop(dashboard);
  await stop(controller);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Whether the focused element (or, for a topology node, its card) shows a focus ring. */
async function focusVisible(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return false;
    const ring = (e: Element) => {
      const s = getComputedStyle(e);
      return (s.outlineStyle !== 'none' && Number.parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
    };
    const card = el.querySelector('.topo-node');
    return ring(el) || (card !== null && ring(card));
  });
}

/** Presses Tab until `target` has focus (at most `max` times), and checks its focus is visible. */
async function tabTo(page: Page, target: Locator, max = 80): Promise<void> {
  const handle = await target.elementHandle({ timeout: 30_000 });
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((el) => document.activeElement === el, handle)) {
      expect(await focusVisible(page), 'the focused element shows a focus ring').toBe(true);
      return;
    }
  }
  throw new Error(`${target} not reached in ${max} presses of Tab`);
}

test('keyboard only: namespace, mesh, rollout, workload page, topology, select a node', async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000);
  await page.goto(`${base}/`);
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });

  await tabTo(page, nav.getByRole('link', { name: 'demo', exact: true }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'demo', level: 1 })).toBeVisible();

  const row = page
    .getByRole('table', { name: 'Workloads' })
    .getByRole('row', { name: 'catalog', exact: true });
  await tabTo(page, row.getByRole('button', { name: 'Mesh catalog', exact: true }));
  await page.keyboard.press('Enter');
  const rollout = row.getByRole('status', { name: 'Rollout of catalog' });
  await expect(rollout).toContainText('Meshed: 1/1 pods with a proxy', { timeout: 120_000 });

  await tabTo(page, row.getByRole('link', { name: 'catalog', exact: true }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'catalog', level: 1 })).toBeVisible();

  await tabTo(page, nav.getByRole('link', { name: 'Topology' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Topology', level: 1 })).toBeVisible();
  // Nodes are announced with name, health and rps once traffic is seen.
  const node = page.getByRole('group', {
    name: /^Workload demo\/catalog: (healthy|degraded|failing|no traffic)/,
  });
  await expect(node).toBeVisible({ timeout: 30_000 });
  await tabTo(page, node, 120);
  await page.keyboard.press('Enter');
  const panel = page.getByRole('complementary', { name: 'Selected workload' });
  await expect(panel.getByRole('heading', { name: 'catalog' })).toBeVisible();
  await screenshot(page, testInfo, 'keyboard-topology-selected');
});

/** Meshes every demo workload not meshed yet, and waits until each runs a proxy. */
async function meshWholeDemo(): Promise<void> {
  for (const [namespace, name] of DEMO) {
    const w = (await workloads()).find((x) => x.namespace === namespace && x.name === name);
    if (w?.meshState !== 'meshed') await trpcMutation('workloads.mesh', { namespace, name });
  }
  await expect
    .poll(
      async () => (await workloads()).filter((w) => w.meshState === 'meshed' && w.meshedReplicas >= 1).length,
      {
        timeout: 120_000,
      },
    )
    .toBe(DEMO.length);
}

test('with the whole demo meshed, no caller is unknown', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  await meshWholeDemo();
  // Calls made while the rollouts ran came from callers without a proxy, which rightly
  // cannot be named; once the 1-minute window holds only meshed traffic, none may be unknown.
  type Graph = { edges: Array<{ source: { name: string }; destination: { name: string } }> };
  await expect
    .poll(
      async () => {
        const g = await trpcQuery<Graph>('topology.graph', { window: '1m' });
        return g.edges.filter((e) => e.source.name === 'unknown').length;
      },
      { timeout: 150_000, intervals: [5_000] },
    )
    .toBe(0);
  await page.goto(`${base}/topology?window=1m`);
  for (const [namespace, name] of DEMO) {
    await expect(
      page.getByRole('group', { name: new RegExp(`^Workload ${namespace}/${name}:`) }),
    ).toBeVisible({
      timeout: 30_000,
    });
  }
  await expect(page.getByRole('img', { name: /^Edge / }).first()).toBeAttached();
  await expect(page.getByRole('group', { name: /unknown/i })).toHaveCount(0);
  await expect(page.locator('.topo-node-name', { hasText: /^\s*unknown/ })).toHaveCount(0);
  await screenshot(page, testInfo, 'topology-all-meshed');
});

test('the workload page shows the lock as an icon and the sidebar spans the page', async ({
  page,
}, testInfo) => {
  await page.goto(`${base}/workloads/reviews/ratings?window=1m`);
  await expect(page.getByRole('heading', { name: 'ratings', level: 1 })).toBeVisible();
  const edges = page.getByRole('region', { name: 'Traffic' }).getByRole('table', { name: 'Edges' });
  const caller = edges.getByRole('row').filter({ hasText: 'demo/web' });
  await expect(caller).toHaveCount(1, { timeout: 30_000 });
  const pill = caller.locator('.mtls-pill');
  await expect(pill).toHaveText('mTLS');
  await expect(pill.locator('svg.lucide-lock')).toBeVisible();
  // No emoji stands in for it.
  expect(await page.locator('.shell').textContent()).not.toMatch(/\p{Extended_Pictographic}/u);
  await expect(edges.getByText(/unknown/)).toHaveCount(0);

  await page.setViewportSize({ width: 1280, height: 600 });
  const sizes = await page.evaluate(() => ({
    page: document.documentElement.scrollHeight,
    viewport: window.innerHeight,
    column: document.querySelector('.sidebar-column')?.getBoundingClientRect().height ?? 0,
  }));
  expect(sizes.page, 'the workload page is taller than the window').toBeGreaterThan(sizes.viewport);
  expect(sizes.column).toBeGreaterThanOrEqual(sizes.page - 1);
  await screenshot(page, testInfo, 'workload-lock-icon');
});

/** Every page of the dashboard, each with what shows once its data has arrived. */
function everyPage(page: Page): Array<[string, Locator]> {
  return [
    ['/', page.getByRole('table', { name: 'Namespaces' })],
    ['/namespaces/demo', page.getByRole('table', { name: 'Workloads' })],
    ['/namespaces/reviews', page.getByRole('table', { name: 'Workloads' })],
    ['/topology', page.getByRole('group', { name: /^Workload demo\/web/ })],
    [
      '/workloads/demo/web',
      page.getByRole('figure', { name: 'Latency chart' }).locator('path.recharts-curve'),
    ],
    ['/workloads/reviews/ratings', page.getByRole('table', { name: 'Edges' })],
    ['/services/demo/inventory', page.getByRole('textbox', { name: 'Policy YAML' })],
    ['/health', page.getByTestId('health-summary')],
    ['/identity', page.getByRole('table', { name: 'Proxy certificates' })],
    ['/tap?namespace=demo&workload=web', page.getByRole('table', { name: 'Tapped requests' })],
    ['/login', page.getByRole('heading', { name: 'Log in', level: 1 })],
  ];
}

/**
 * Visits every page, the demo meshed (so pages show metrics, charts and tapped requests),
 * and returns axe's serious and critical violations, each naming its page.
 */
async function auditEveryPage(page: Page): Promise<string[]> {
  await meshWholeDemo();
  const found: string[] = [];
  for (const [path, ready] of everyPage(page)) {
    await page.goto(`${base}${path}`);
    await expect(ready.first()).toBeVisible({ timeout: 30_000 });
    for (const v of await seriousViolations(page)) found.push(`${path}: ${v}`);
  }
  return found;
}

test('no serious or critical accessibility violation on any page', async ({ page }) => {
  test.setTimeout(600_000);
  const found = await auditEveryPage(page);
  expect(await axeVersion(page)).toMatch(/^4\.14\./);
  expect(found).toEqual([]);
});

test('in the dark theme too, no serious or critical violation on any page', async ({ page }, testInfo) => {
  test.setTimeout(600_000);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${base}/`);
  // The system's dark setting is followed: the page itself is dark, not only the charts.
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).toBe('rgb(11, 17, 32)');
  const found = await auditEveryPage(page);
  expect(found).toEqual([]);
  await page.goto(`${base}/workloads/demo/web`);
  await expect(
    page.getByRole('figure', { name: 'Latency chart' }).locator('path.recharts-curve').first(),
  ).toBeVisible({
    timeout: 30_000,
  });
  await screenshot(page, testInfo, 'workload-dark');
});
