/**
 * Saves a full-page screenshot as a file in the test's output directory (under
 * test-results/e2e) and attaches it to the test's report.
 */
import type { Page, TestInfo } from '@playwright/test';

export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}
