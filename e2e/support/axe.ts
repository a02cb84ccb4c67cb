/**
 * Accessibility audit of the page as it stands: axe-core (the version pinned in this
 * package, injected into @axe-core/playwright) with the WCAG 2.0/2.1 A and AA rules.
 * Returns the serious and critical violations, each as one readable line.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const WCAG_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page, axeSource: AXE_SOURCE }).withTags(WCAG_AA_TAGS).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}: ${v.nodes
          .slice(0, 5)
          .map(
            (n) =>
              `${n.target.join(' ')}${n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, ' ')}]` : ''}`,
          )
          .join('; ')}`,
    );
}

/** The axe-core version that ran (to report it). */
export async function axeVersion(page: Page): Promise<string> {
  return page.evaluate(() => (globalThis as unknown as { axe?: { version: string } }).axe?.version ?? 'none');
}
