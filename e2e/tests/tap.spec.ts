/**
 * Tap in the dashboard, on a real controller running the demo with real proxies (this
 * file owns its controller and dashboard): with web and catalog meshed and an HTTPRoute
 * on catalog, the workload page opens Tap for web, requests stream in, a path filter
 * keeps only the matching ones, Live calls groups them by path, and one request's
 * explanation names its route and the endpoint the balancer picked.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
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
const OCTET = 52;

let controller: Owned | null = null;
let dashboard: Owned | null = null;
let api = '';
let base = '';
let stateDir = '';

async function trpc<T>(path: string, input: unknown, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const auth = { authorization: `Bearer ${adminToken(stateDir)}` };
  const res =
    method === 'GET'
      ? await fetch(`${api}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
          headers: auth,
        })
      : await fetch(`${api}/trpc/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...auth },
          body: JSON.stringify(input),
        });
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!body.result) throw new Error(`${path}: ${JSON.stringify(body.error)}`);
  return body.result.data;
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  stateDir = mkdtempSync(join(tmpdir(), 'weft-e2e-tap-'));
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
  const yaml = readFileSync(join(REPO_ROOT, 'examples/demo/policies/timeout.yaml'), 'utf8');
  await trpc('policies.applyYaml', { yaml }, 'POST');
  await expect
    .poll(
      async () => {
        const list = await trpc<{ name: string; namespace: string; readyReplicas: number }[]>(
          'workloads.list',
          {
            namespace: 'demo',
          },
        );
        return ['web', 'catalog', 'traffic'].every((n) =>
          list.some((w) => w.name === n && w.readyReplicas >= 1),
        );
      },
      { timeout: 60_000 },
    )
    .toBe(true);
  // web calls catalog: both meshed, so the call is mTLS with identities on both sides
  for (const name of ['web', 'catalog']) await trpc('workloads.mesh', { namespace: 'demo', name }, 'POST');
  for (const name of ['web', 'catalog'])
    await expect
      .poll(
        async () =>
          (await trpc<{ workload: { meshState: string } }>('workloads.get', { namespace: 'demo', name }))
            .workload.meshState,
        { timeout: 120_000, intervals: [1000] },
      )
      .toBe('meshed');
});

test.afterAll(async () => {
  await stop(dashboard);
  await stop(controller);
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

test('tap a demo workload, filter by path, and explain one request', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await logIn(page, { webUrl: base, apiUrl: api, stateDir });

  await test.step('the workload page opens Tap for web, and requests stream in', async () => {
    await page.goto(`${base}/workloads/demo/web`);
    await page.getByRole('link', { name: 'Tap web', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Tap: demo/web', level: 1 })).toBeVisible();
    await expect(page.getByText('weft tap web -n demo', { exact: true })).toBeVisible();
    const rows = page.getByRole('table', { name: 'Tapped requests' }).locator('tr.tap-row');
    await expect.poll(() => rows.count(), { timeout: 45_000 }).toBeGreaterThan(3);
    await expect(page.getByRole('status').filter({ hasText: /Tapping \d of \d prox/ })).toBeVisible();
    await screenshot(page, testInfo, 'tap-stream');
  });

  await test.step('a path filter keeps only the matching requests; Live calls groups them', async () => {
    const filters = page.getByRole('form', { name: 'Tap filters' });
    await filters.getByLabel('Path prefix').fill('/books/b1');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/pathPrefix=%2Fbooks%2Fb1/);
    await expect(page.getByText('weft tap web -n demo --path /books/b1', { exact: true })).toBeVisible();
    const table = page.getByRole('table', { name: 'Tapped requests' });
    const paths = table.locator('tr.tap-row th');
    await expect.poll(() => paths.count(), { timeout: 45_000 }).toBeGreaterThan(1);
    for (const p of await paths.allTextContents()) expect(p.startsWith('/books/b1')).toBe(true);
    const calls = page.getByRole('table', { name: 'Live calls' });
    await expect(calls.getByRole('row', { name: /\/books\/b1/ }).first()).toBeVisible();
    for (const p of await calls.locator('tbody th').allTextContents())
      expect(p.startsWith('/books/b1')).toBe(true);
  });

  await test.step("one request's explanation names its route and endpoint", async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Paused' })).toBeVisible();
    const table = page.getByRole('table', { name: 'Tapped requests' });
    const first = table.locator('tr.tap-row').first();
    await first.getByRole('button', { name: /^Details of GET \/books\/b1/ }).click();
    const details = table.locator('.tap-detail').first();
    await expect(details).toContainText('HTTPRoute demo/catalog-timeout');
    const endpoint =
      (
        await details
          .locator('div', { hasText: /^Endpoint/ })
          .locator('dd')
          .textContent()
      )?.trim() ?? '';
    expect(endpoint).toMatch(new RegExp(`^127\\.10\\.${OCTET}\\.\\d+:\\d+$`));
    await details.getByRole('button', { name: 'Explain this request' }).click();
    const explain = page.getByRole('region', { name: 'Explanation' });
    await expect(explain).toBeVisible();
    await expect(explain).toContainText('Matched HTTPRoute demo/catalog-timeout');
    // catalog runs one replica: the only endpoint, with its peak-EWMA estimate
    await expect(explain).toContainText(
      new RegExp(
        `The balancer picked the only endpoint: ${endpoint.replaceAll('.', '\\.')} \\(latency estimate [\\d.]+ ms`,
      ),
    );
    await expect(explain).toContainText('Request timeout: 1000 ms');
    // both ends of the mTLS hop: catalog's identity and web's own
    await expect(explain).toContainText(
      /Sent over mTLS to catalog\.demo\.serviceaccount\.[\w.-]+, proving this side as web\.demo\.serviceaccount\./,
    );
    await screenshot(page, testInfo, 'tap-explain');
  });
});
