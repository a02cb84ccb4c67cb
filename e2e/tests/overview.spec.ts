import { expect, test } from '@playwright/test';

test('the dashboard opens on its overview', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Topology' })).toBeVisible();
});
