/**
 * The dashboard while its controller goes away and comes back: the banner says the
 * controller is unreachable, and the page recovers by itself, without a reload, once
 * the controller answers again. The test owns its controller and dashboard processes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { OWN_POD_OCTET } from '../support/env.ts';
import { logIn } from '../support/login.ts';
import { freePort, type Owned, startController, startDashboard, stop } from '../support/processes.ts';
import { screenshot } from '../support/screenshot.ts';

let controller: Owned | null = null;
let dashboard: Owned | null = null;
const dirs: string[] = [];

test.afterAll(async () => {
  await stop(dashboard);
  await stop(controller);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('the banner shows while the controller is away and the page recovers when it returns', async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  const stateDir = mkdtempSync(join(tmpdir(), 'weft-e2e-restart-'));
  // No workloads: this test is about the connection, and an empty platform starts at once.
  const manifestsDir = mkdtempSync(join(tmpdir(), 'weft-e2e-manifests-'));
  dirs.push(stateDir, manifestsDir);
  const apiPort = await freePort();
  const controllerOpts = { port: apiPort, stateDir, manifestsDir, octet: OWN_POD_OCTET };
  controller = await startController(controllerOpts);
  const webPort = await freePort();
  dashboard = await startDashboard({ port: webPort, controllerUrl: `http://127.0.0.1:${apiPort}` });

  // The session outlives the controller's restart.
  await logIn(page, {
    webUrl: `http://127.0.0.1:${webPort}`,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    stateDir,
  });
  await page.goto(`http://127.0.0.1:${webPort}/`);
  const controlPlane = page.getByRole('region', { name: 'Control plane' });
  const banner = page.getByRole('alert', { name: 'Controller unreachable' });
  await expect(controlPlane.getByText('local', { exact: true })).toBeVisible();
  await expect(banner).toHaveCount(0);

  await stop(controller);
  await expect(banner).toBeVisible({ timeout: 20_000 });
  await expect(banner).toContainText('cannot reach the Weft controller');
  // The last data stays on screen under the banner.
  await expect(controlPlane).toBeVisible();
  await screenshot(page, testInfo, 'controller-unreachable');

  controller = await startController(controllerOpts);
  await expect(banner).toHaveCount(0, { timeout: 20_000 });
  await expect(controlPlane.getByText('local', { exact: true })).toBeVisible();
  await expect(
    page.getByRole('table', { name: 'Namespaces' }).or(page.getByText('No namespace holds a workload yet')),
  ).toBeVisible();
  await screenshot(page, testInfo, 'controller-recovered');
});
