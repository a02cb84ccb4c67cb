/**
 * The Health page shows the checks `weft check` prints, in the same words: every check
 * title the controller's `health.checks` answers is on the page with its status word, and
 * the sidebar's Health link leads there.
 */
import { expect, test } from '@playwright/test';
import { API_PORT, STATE_DIR, WEB_PORT } from '../support/env.ts';
import { adminToken, logIn } from '../support/login.ts';

const API = `http://127.0.0.1:${API_PORT}`;

interface Check {
  id: string;
  title: string;
  status: 'ok' | 'warning' | 'failure';
}

async function checksFromApi(): Promise<Check[]> {
  const res = await fetch(`${API}/trpc/health.checks`, {
    headers: { authorization: `Bearer ${adminToken(STATE_DIR)}` },
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { result: { data: { checks: Check[] } } };
  return body.result.data.checks;
}

test('the Health page lists the same checks as the API, reached from the sidebar', async ({ page }) => {
  await logIn(page, { webUrl: `http://127.0.0.1:${WEB_PORT}`, apiUrl: API, stateDir: STATE_DIR });
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Health' }).click();
  await expect(page).toHaveURL(/\/health/);
  await expect(page.getByRole('heading', { name: 'Health', level: 1 })).toBeVisible();
  await expect(page.getByTestId('health-summary')).toContainText('The same checks as weft check');

  const checks = await checksFromApi();
  expect(checks.map((c) => c.id)).toEqual(
    expect.arrayContaining([
      'control-plane.api',
      'identity.trust-anchor',
      'identity.issuer',
      'metrics.scrape',
    ]),
  );
  for (const c of checks) {
    const item = page.locator(`li[data-check="${c.id}"]`);
    await expect(item).toContainText(c.title);
  }
  for (const category of ['control plane', 'identity', 'metrics', 'policy'])
    await expect(page.getByRole('heading', { name: category, level: 2 })).toBeVisible();
  await expect(page.locator('li[data-check="identity.issuer"]')).toContainText(/\((passed|warning|failed)\)/);
});
