/**
 * The guided trust-anchor rotation in the dashboard, on a controller of this file's own
 * with no workloads (so no proxy to wait for, and the walk is quick): generate, distribute
 * both anchors, switch to the new issuer, finish; the Identity page then shows the new
 * anchor, and the rotation as finished.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { seriousViolations } from '../support/axe.ts';
import { logIn } from '../support/login.ts';
import { freePort, type Owned, startController, startDashboard, stop } from '../support/processes.ts';

/** Third octet of this file's address blocks (it runs no pods: its manifest directory is empty). */
const OCTET = 54;

let controller: Owned | null = null;
let dashboard: Owned | null = null;
let work = '';
let api = '';
let web = '';

test.beforeAll(async () => {
  test.setTimeout(120_000);
  work = mkdtempSync(join(tmpdir(), 'weft-e2e-rotation-'));
  mkdirSync(join(work, 'manifests'));
  const apiPort = await freePort();
  controller = await startController({
    port: apiPort,
    stateDir: join(work, 'state'),
    manifestsDir: join(work, 'manifests'),
    octet: OCTET,
  });
  api = `http://127.0.0.1:${apiPort}`;
  const webPort = await freePort();
  dashboard = await startDashboard({ port: webPort, controllerUrl: api });
  web = `http://127.0.0.1:${webPort}`;
});

test.afterAll(async () => {
  await stop(dashboard);
  await stop(controller);
  if (work) rmSync(work, { recursive: true, force: true });
});

test('an admin walks the trust-anchor rotation through its four steps', async ({ page }) => {
  await logIn(page, { webUrl: web, apiUrl: api, stateDir: join(work, 'state') });
  await page.goto(`${web}/identity`);
  const anchorCard = page.getByRole('region', { name: 'Trust anchor' });
  await expect(anchorCard).toContainText('CN=root.weft.cluster.local,');
  const rotation = page.getByRole('region', { name: 'Rotation' });
  const steps = rotation.getByRole('list', { name: 'Rotation steps' });

  await rotation.getByLabel('Trust anchor (and the issuer under it)').check();
  await rotation.getByRole('button', { name: 'Generate the new trust anchor' }).click();
  await expect(steps.getByRole('listitem').nth(0)).toContainText('1. Generate (done)');
  await expect(rotation).toContainText('new anchor CN=root.weft.cluster.local, OU=rotated-');
  await expect(rotation.getByTestId('rotation-progress')).toHaveText('0 proxies will move.');
  // The wizard in the middle of a rotation, audited like every other page.
  expect(await seriousViolations(page)).toEqual([]);

  await rotation.getByRole('button', { name: 'Distribute both anchors' }).click();
  await expect(steps.getByRole('listitem').nth(1)).toContainText('2. Distribute (done)');
  await expect(rotation.getByTestId('rotation-progress')).toHaveText('0 of 0 proxies trust both anchors.');

  await rotation.getByRole('button', { name: 'Switch to the new issuer' }).click();
  await expect(steps.getByRole('listitem').nth(2)).toContainText('3. Switch (done)');
  // Once the new issuer signs, the rotation can only be finished.
  await expect(rotation.getByRole('button', { name: 'Cancel the rotation' })).toHaveCount(0);

  await rotation.getByRole('button', { name: 'Finish the rotation' }).click();
  await expect(rotation).toContainText(/Last rotation \(anchor\) finished/);
  await expect(anchorCard).toContainText('OU=rotated-');
  await expect(page.getByRole('region', { name: 'Issuer' })).toContainText('OU=rotated-');
});
