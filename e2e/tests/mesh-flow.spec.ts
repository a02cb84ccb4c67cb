/**
 * The dashboard's main path against a real controller running the demo with real
 * proxies: the demo is listed unmeshed, Mesh on catalog shows the rollout live and ends
 * meshed, its golden metrics turn non-zero, the topology shows its edges, and its
 * workload page draws the charts and lists the pod the rollout replaced as stopped.
 */
import { expect, test } from '@playwright/test';
import { API_PORT, STATE_DIR, WEB_PORT } from '../support/env.ts';
import { logIn } from '../support/login.ts';
import { screenshot } from '../support/screenshot.ts';

const MESHED = 'catalog';

test.beforeEach(async ({ page }) => {
  await logIn(page, {
    webUrl: `http://127.0.0.1:${WEB_PORT}`,
    apiUrl: `http://127.0.0.1:${API_PORT}`,
    stateDir: STATE_DIR,
  });
});

test('mesh a demo workload and follow it to metrics, topology and charts', async ({ page }, testInfo) => {
  test.setTimeout(170_000);

  await test.step('overview lists the demo namespaces', async () => {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Control plane' })).toBeVisible();
    const namespaces = page.getByRole('table', { name: 'Namespaces' });
    await expect(namespaces.getByRole('link', { name: 'demo', exact: true })).toBeVisible();
    await expect(namespaces.getByRole('link', { name: 'reviews', exact: true })).toBeVisible();
    await screenshot(page, testInfo, 'overview');
    await namespaces.getByRole('link', { name: 'demo', exact: true }).click();
  });

  const workloads = page.getByRole('table', { name: 'Workloads' });
  const row = workloads.getByRole('row', { name: MESHED, exact: true });

  await test.step('the demo workloads are listed unmeshed', async () => {
    await expect(page.getByRole('heading', { name: 'demo', level: 1 })).toBeVisible();
    for (const name of ['traffic', 'web', 'catalog', 'inventory']) {
      const r = workloads.getByRole('row', { name, exact: true });
      await expect(r.getByText('Unmeshed', { exact: true })).toBeVisible();
      await expect(r.getByRole('button', { name: `Mesh ${name}`, exact: true })).toBeEnabled();
    }
    // Ready before meshing, so the rollout replaces a serving pod.
    await expect(row.getByRole('cell').nth(1)).toHaveText('1/1', { timeout: 30_000 });
    await screenshot(page, testInfo, 'namespace-unmeshed');
  });

  await test.step('Mesh shows the rollout live and ends meshed', async () => {
    await row.getByRole('button', { name: `Mesh ${MESHED}`, exact: true }).click();
    const rollout = row.getByRole('status', { name: `Rollout of ${MESHED}` });
    await expect(rollout).toContainText(/Meshing: \d\/1 updated, \d\/1 ready/);
    await screenshot(page, testInfo, 'namespace-meshing');
    await expect(rollout).toContainText('Meshed: 1/1 pods with a proxy', { timeout: 60_000 });
    await expect(row.getByText('Meshed', { exact: true })).toBeVisible();
    await expect(row.getByRole('button', { name: `Unmesh ${MESHED}`, exact: true })).toBeVisible();
  });

  await test.step('Unmesh asks for confirmation, and Cancel leaves it meshed', async () => {
    await row.getByRole('button', { name: `Unmesh ${MESHED}`, exact: true }).click();
    const confirm = row.getByRole('group', { name: new RegExp(`^Unmesh ${MESHED}\\?`) });
    await expect(confirm.getByRole('button', { name: `Confirm unmesh ${MESHED}` })).toBeVisible();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(confirm).toHaveCount(0);
    await expect(row.getByText('Meshed', { exact: true })).toBeVisible();
  });

  await test.step('its golden metrics become non-zero', async () => {
    const rps = row.getByRole('cell').nth(4);
    await expect
      .poll(async () => Number.parseFloat((await rps.textContent()) ?? ''), {
        timeout: 60_000,
        intervals: [1000],
      })
      .toBeGreaterThan(0);
    // A percentage, with the health band's word for screen readers when it is not healthy.
    await expect(row.getByRole('cell').nth(3)).toHaveText(/\d%( \((degraded|failing)\))?$/);
    await screenshot(page, testInfo, 'namespace-meshed');
  });

  await test.step('the topology shows its edges', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Topology' }).click();
    await expect(page.getByRole('heading', { name: 'Topology', level: 1 })).toBeVisible();
    const edge = page.getByRole('img', {
      name: new RegExp(`^Edge (demo/${MESHED} to |.* to demo/${MESHED}:)`),
    });
    // An edge is drawn: its element exists and its path has a shape.
    await expect(edge.first().locator('path').first()).toHaveAttribute('d', /^M ?[\d.-]+/, {
      timeout: 30_000,
    });
    // Workloads without a proxy are marked as such.
    await expect(page.getByRole('group', { name: 'Workload demo/inventory (unmeshed)' })).toBeVisible();
    await screenshot(page, testInfo, 'topology');
    await page.getByRole('group', { name: `Workload demo/${MESHED}` }).click();
    const panel = page.getByRole('complementary', { name: 'Selected workload' });
    await expect(panel.getByRole('heading', { name: MESHED })).toBeVisible();
    await panel.getByRole('link', { name: 'Open workload page' }).click();
  });

  await test.step('its workload page draws the charts', async () => {
    await expect(page.getByRole('heading', { name: MESHED, level: 1 })).toBeVisible();
    for (const chart of ['Success rate chart', 'Requests per second chart', 'Latency chart']) {
      const curve = page.getByRole('figure', { name: chart }).locator('path.recharts-curve');
      await expect(curve.first()).toHaveAttribute('d', /^M[\d.]+/, { timeout: 30_000 });
    }
    // Pointing at a chart shows the values of the point under the pointer (the latest
    // point, at the right end: the first ones of the window may predate the traffic).
    const latency = page.getByRole('figure', { name: 'Latency chart' });
    const plot = latency.locator('svg.recharts-surface');
    const box = await plot.boundingBox();
    if (!box) throw new Error('the latency chart has no box');
    await plot.hover({ position: { x: box.width / 2, y: box.height / 2 } });
    await plot.hover({ position: { x: box.width - 16, y: box.height / 2 } });
    await expect(latency.locator('.recharts-tooltip-wrapper')).toContainText(/p99\s*:\s*[\d.]+/);
    const traffic = page.getByRole('region', { name: 'Traffic' });
    await expect(traffic.getByRole('table', { name: 'Edges' })).toBeVisible();
    await expect(
      page.getByRole('table', { name: 'Pods', exact: true }).getByText('proxy', { exact: true }),
    ).toBeVisible();
    // the pod the rollout replaced is listed as stopped, its last output still readable
    const stopped = page.getByRole('table', { name: 'Stopped pods' }).getByRole('row', { name: /^catalog-/ });
    await expect(stopped.first().getByText('Stopped', { exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(stopped.first().getByRole('log', { name: /^Last output of catalog-/ })).toContainText(
      'catalog listening on',
    );
    await screenshot(page, testInfo, 'workload');
  });

  await test.step('the time window lives in the URL and live refresh pauses', async () => {
    const golden = page.getByRole('region', { name: 'Golden metrics' });
    await page
      .getByRole('group', { name: 'Time window' })
      .getByRole('button', { name: '5m', exact: true })
      .click();
    await expect(page).toHaveURL(/[?&]window=5m/);
    await expect(golden.getByText('last 5m')).toBeVisible();
    await page.getByRole('button', { name: 'Pause live refresh' }).click();
    await expect(page.getByRole('button', { name: 'Resume live refresh' })).toHaveAttribute(
      'aria-pressed',
      'false',
    );
    await page.reload();
    await expect(golden.getByText('last 5m')).toBeVisible();
  });
});
