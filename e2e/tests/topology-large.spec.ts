/**
 * The topology of a large mesh: the benchmark route's generated 300 workloads and 1,000
 * calls, served by a dashboard of this spec's own (no controller is needed). The calls
 * are drawn as one layer with an accessible name; React Flow draws, labels and names
 * only the calls of the selected workload, as many as the panel counts; a workload is
 * selected and released by keyboard; axe finds no serious or critical violation, in the
 * light and the dark theme. While the wheel zooms, the layer of calls is hidden (the
 * workloads and namespaces stay) and comes back once the zoom ends; a pan keeps it; the
 * fit-view button brings back the first view; and a
 * small graph keeps its calls while zoomed. A small graph's calls are each named, with
 * their figures on hover, labelled once zoomed in, and the selected workload's
 * highlighted. The namespace filter lives in the URL: a reload, a shared link and the
 * back button from a workload's page or a followed link (right after the filter changed)
 * all show it again.
 */
import { expect, type Page, test } from '@playwright/test';
import { seriousViolations } from '../support/axe.ts';
import { freePort, type Owned, startDashboard, stop } from '../support/processes.ts';
import { screenshot } from '../support/screenshot.ts';

let dashboard: Owned | null = null;
let base = '';

test.beforeAll(async () => {
  test.setTimeout(90_000);
  const port = await freePort();
  // The generated mesh needs no controller: point at a closed port.
  dashboard = await startDashboard({
    port,
    controllerUrl: 'http://127.0.0.1:9',
    env: { WEFT_WEB_BENCH: '1' },
  });
  base = `http://127.0.0.1:${port}`;
});

test.afterAll(async () => {
  await stop(dashboard);
});

for (const scheme of ['light', 'dark'] as const) {
  test(`300 workloads and 1,000 calls (${scheme}): calls in one layer, the selected workload's calls labelled`, async ({
    page,
  }, testInfo) => {
    test.setTimeout(120_000);
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${base}/bench/topology?services=300&edges=1000`);
    const graph = page.getByRole('application', { name: 'Service topology graph' });
    await expect(
      graph.getByRole('img', { name: /^1000 calls between workloads, drawn as lines/ }),
    ).toBeVisible({
      timeout: 60_000,
    });
    await expect(graph.getByRole('group', { name: /^Workload / })).toHaveCount(300);
    await expect(page.locator('.react-flow__edge')).toHaveCount(0);

    // Every call is in the layer: each curve starts with a move.
    const drawn = () =>
      page
        .locator('.topo-edge-layer .topo-edge-lines')
        .evaluateAll((paths) =>
          paths.reduce((n, p) => n + (p.getAttribute('d')?.match(/M/g)?.length ?? 0), 0),
        );
    expect(await drawn()).toBe(1000);

    // Select a workload by keyboard: its calls become edges, named and labelled.
    const node = graph.getByRole('group', { name: /^Workload shop\/api-1[:( ]/ });
    await node.focus();
    await page.keyboard.press('Enter');
    const panel = page.getByRole('complementary', { name: 'Selected workload' });
    await expect(panel.getByRole('heading', { name: 'api-1' })).toBeVisible();
    const counts = (await panel.getByText(/callers? · \d+ callees? shown/).textContent()) ?? '';
    const [callers = 0, callees = 0] = (counts.match(/\d+/g) ?? []).map(Number);
    expect(callers + callees).toBeGreaterThan(0);
    const edges = page.getByRole('img', { name: /^Edge / });
    await expect(edges).toHaveCount(callers + callees);
    for (const name of await edges.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''))) {
      expect(name).toMatch(/^Edge (shop\/api-1 to .+|.+ to shop\/api-1): [\d.]+k? rps, /);
    }
    await expect(page.locator('.topo-edge-label')).toHaveCount(callers + callees);
    // The layer keeps the other calls, dimmed.
    expect(await drawn()).toBe(1000 - callers - callees);
    await expect(page.locator('.topo-edge-layer.dimmed')).toHaveCount(1);
    await screenshot(page, testInfo, `topology-large-selected-${scheme}`);
    expect(await seriousViolations(page)).toEqual([]);

    // Escape releases it: no edge is left to React Flow, and the layer has every call again.
    await page.keyboard.press('Escape');
    await expect(panel).toHaveCount(0);
    await expect(page.locator('.react-flow__edge')).toHaveCount(0);
    expect(await drawn()).toBe(1000);
  });
}

/**
 * Sends one wheel step over the canvas and reports what is on screen right after it:
 * whether the element `selector` names is visible, whether a workload is, and the scale.
 */
async function wheelAndLook(page: Page, selector: string) {
  return page.evaluate((selector) => {
    const pane = document.querySelector('.react-flow__pane');
    const viewport = document.querySelector<HTMLElement>('.react-flow__viewport');
    if (!pane || !viewport) throw new Error('no topology canvas');
    const scale = () => Number(viewport.style.transform.match(/scale\(([\d.]+)\)/)?.[1]);
    const before = scale();
    const box = pane.getBoundingClientRect();
    pane.dispatchEvent(
      new WheelEvent('wheel', {
        bubbles: true,
        cancelable: true,
        clientX: box.left + box.width / 2,
        clientY: box.top + box.height / 2,
        deltaMode: 0,
        deltaY: -120,
      }),
    );
    const shown = (el: Element | null) => !!el && getComputedStyle(el).visibility === 'visible';
    return {
      target: shown(document.querySelector(selector)),
      workload: shown(document.querySelector('.react-flow__node-workload')),
      namespace: shown(document.querySelector('.react-flow__node-namespace')),
      zoomed: scale() > before,
    };
  }, selector);
}

test('a large graph hides its calls while the wheel zooms and shows them when it ends; a pan keeps them', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto(`${base}/bench/topology?services=300&edges=1000`);
  const layer = page.getByRole('img', { name: /^1000 calls between workloads, drawn as lines/ });
  await expect(layer).toBeVisible({ timeout: 60_000 });
  const first = await page.locator('.react-flow__viewport').getAttribute('style');

  // A pan: the calls stay on screen while the view is dragged.
  const pane = page.locator('.react-flow__pane');
  const box = await pane.boundingBox();
  if (!box) throw new Error('no pane');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 4 });
  await expect(page.locator('.topo-keys.topo-moving')).toHaveCount(1);
  await expect(layer).toBeVisible();
  await page.mouse.up();

  // A zoom: the calls are hidden, the workloads and namespaces stay.
  const seen = await wheelAndLook(page, '.topo-edge-layer');
  expect(seen).toEqual({ target: false, workload: true, namespace: true, zoomed: true });
  // Once the zoom ends, the calls are back.
  await expect(layer).toBeVisible();
  await expect(page.locator('.topo-keys.topo-zooming')).toHaveCount(0);

  // The fit-view button brings back the view the graph first opened with.
  const viewport = page.locator('.react-flow__viewport');
  await expect(viewport).not.toHaveAttribute('style', first ?? '');
  await page.getByRole('button', { name: 'Fit View' }).click();
  await expect(viewport).toHaveAttribute('style', first ?? '');
});

test('a small graph keeps its calls while the wheel zooms', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(`${base}/bench/topology?services=20&edges=40`);
  // A sparse graph's calls are drawn in a layer, each its own named element.
  await expect(page.getByRole('group', { name: /^Workload / })).toHaveCount(20, { timeout: 30_000 });
  await expect.poll(() => page.getByRole('img', { name: /^Edge / }).count()).toBeGreaterThan(0);
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);
  const seen = await wheelAndLook(page, '.topo-edge-layer.per-call');
  expect(seen).toEqual({ target: true, workload: true, namespace: true, zoomed: true });
});

test('a small graph: every call named, with its figures on hover; zoomed in, every call labelled; the selected workload’s calls highlighted', async ({
  page,
}) => {
  test.setTimeout(60_000);
  await page.goto(`${base}/bench/topology?services=20&edges=40`);
  const graph = page.getByRole('application', { name: 'Service topology graph' });
  await expect(graph.getByRole('group', { name: /^Workload / })).toHaveCount(20, { timeout: 30_000 });
  const size = (await page.getByRole('status', { name: 'Graph size' }).textContent()) ?? '';
  const calls = Number(size.match(/(\d+) edges/)?.[1]);
  expect(calls).toBeGreaterThan(0);
  const named = graph.getByRole('img', { name: /^Edge .+ to .+: [\d.]+k? rps, / });
  await expect(named).toHaveCount(calls);
  // Hovering a call shows its figures, p95 included (its tooltip).
  expect(await named.first().locator('title').textContent()).toMatch(/ rps · .+ · p95 /);

  // Zoomed in with the Zoom In button (nothing covers it) close enough to read, every
  // call carries its label.
  const near = page.locator('.react-flow.lod-near');
  await expect(async () => {
    if ((await near.count()) === 0)
      await graph.getByRole('button', { name: 'Zoom In' }).click({ timeout: 2_000 });
    await expect(near).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.locator('.topo-edge-label')).toHaveCount(calls);

  // Select the caller of the first call: its calls are drawn highlighted and labelled,
  // the others dimmed without labels, and every call keeps its name.
  const first = (await named.first().getAttribute('aria-label')) ?? '';
  const caller = first.match(/^Edge (\S+) to /)?.[1] ?? '';
  await graph.getByRole('group', { name: new RegExp(`^Workload ${caller}[:( ]`) }).focus();
  await page.keyboard.press('Enter');
  const panel = page.getByRole('complementary', { name: 'Selected workload' });
  const counts = (await panel.getByText(/callers? · \d+ callees? shown/).textContent()) ?? '';
  const [callers = 0, callees = 0] = (counts.match(/\d+/g) ?? []).map(Number);
  expect(callees).toBeGreaterThan(0);
  await expect(page.locator('.react-flow__edge')).toHaveCount(callers + callees);
  await expect(page.locator('.topo-edge-label.highlighted')).toHaveCount(callers + callees);
  await expect(page.locator('.topo-edge-label')).toHaveCount(callers + callees);
  await expect(page.locator('.topo-edge-layer.dimmed')).toHaveCount(1);
  await expect(named).toHaveCount(calls);
});

test('the namespace filter is kept in the URL: a reload, a shared link and the back button show it again', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  const url = `${base}/bench/topology?services=300&edges=1000`;
  await page.goto(url);
  const workloads = (p: Page) =>
    p.getByRole('application', { name: 'Service topology graph' }).getByRole('group', { name: /^Workload / });
  const filter = (p: Page) => p.getByRole('combobox', { name: 'Namespace filter' });
  await expect(workloads(page)).toHaveCount(300, { timeout: 60_000 });

  // The filter draws shop's workloads and their peers, as many as the toolbar counts,
  // and the URL follows.
  await filter(page).selectOption('shop');
  const size = page.getByRole('status', { name: 'Graph size' });
  await expect(size).not.toHaveText(/^300 workloads/);
  const shown = Number((await size.textContent())?.match(/^(\d+) workloads/)?.[1]);
  expect(shown).toBeGreaterThan(0);
  await expect(workloads(page)).toHaveCount(shown);
  await expect(page.getByRole('group', { name: /^Workload shop\/api-1[:( ]/ })).toBeVisible();
  await expect(page).toHaveURL(/[?&]ns=shop(&|$)/);

  // A reload keeps it.
  await page.reload();
  await expect(filter(page)).toHaveValue('shop');
  await expect(workloads(page)).toHaveCount(shown, { timeout: 60_000 });

  // So does a shared link, opened in another tab.
  const other = await context.newPage();
  await other.goto(`${url}&ns=shop`);
  await expect(filter(other)).toHaveValue('shop');
  await expect(workloads(other)).toHaveCount(shown, { timeout: 60_000 });
  await other.close();

  // Open a workload's page (double click), then come back: the filter is still applied.
  await page.getByRole('group', { name: /^Workload shop\/api-1[:( ]/ }).dblclick();
  await expect(page).toHaveURL(/\/workloads\/shop\/api-1/);
  await page.goBack();
  await expect(page).toHaveURL(/[?&]ns=shop(&|$)/);
  await expect(filter(page)).toHaveValue('shop');
  await expect(workloads(page)).toHaveCount(shown, { timeout: 60_000 });

  // A filter chosen just before following a link (sooner than the URL follows a change
  // by itself) is in the history entry back returns to.
  await filter(page).selectOption('payments');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Health' }).click();
  await expect(page).toHaveURL(/\/health/);
  await page.goBack();
  await expect(page).toHaveURL(/[?&]ns=payments(&|$)/);
  await expect(filter(page)).toHaveValue('payments');

  // Clearing it shows the whole mesh and takes it out of the URL.
  await filter(page).selectOption('');
  await expect(workloads(page)).toHaveCount(300, { timeout: 60_000 });
  await expect(page).not.toHaveURL(/[?&]ns=/);
});
