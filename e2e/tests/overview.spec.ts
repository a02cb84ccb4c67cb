import { expect, test } from '@playwright/test';

test('the dashboard opens on its overview', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Weft' })).toBeVisible();
});
