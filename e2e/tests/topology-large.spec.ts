/**
 * The topology of a large mesh: the benchmark route's generated 300 workloads and 1,000
 * calls, served by a dashboard of this spec's own (no controller is needed). The calls
 * are drawn as one layer with an accessible name; React Flow draws, labels and names
 * only the calls of the selected workload, as many as the panel counts; a workload is
 * selected and released by keyboard; axe finds no serious or critical violation, in the
 * light and the dark theme.
 */
import { expect, test } from '@playwright/test';
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
