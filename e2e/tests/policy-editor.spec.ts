/**
 * The policy editor on a Service page, against the running demo mesh: moving the
 * inventory split slider and applying sends inventory-v2 more traffic in the dashboard's
 * own metrics (the backend's, and the route rule's per-route metrics); bad input (weight -1, a regex that does not compile, a backend that does
 * not exist) shows the controller's words next to the field and applies nothing; a
 * rollback shows its diff, asks, and restores the previous revision; the dry run of a
 * deny policy names catalog → inventory before apply; a canary against a failing
 * inventory-v2 reverts by itself; viewers see the editor read-only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { API_PORT, STATE_DIR, WEB_PORT } from '../support/env.ts';
import { adminToken, logIn } from '../support/login.ts';
import { REPO_ROOT } from '../support/processes.ts';
import { screenshot } from '../support/screenshot.ts';

const API = `http://127.0.0.1:${API_PORT}`;
const SERVICE_PAGE = '/services/demo/inventory';
/** The split the tests start from: 90/10, as the demo's example policy writes it. */
const SPLIT_YAML = readFileSync(join(REPO_ROOT, 'examples/demo/policies/split.yaml'), 'utf8');

async function call<T>(procedure: string, input: unknown, mutation = false): Promise<T> {
  const headers = { authorization: `Bearer ${adminToken(STATE_DIR)}`, 'content-type': 'application/json' };
  const url = `${API}/trpc/${procedure}`;
  const res = mutation
    ? await fetch(url, { method: 'POST', headers, body: JSON.stringify(input) })
    : await fetch(`${url}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers });
  const body = (await res.json()) as { result?: { data?: T }; error?: unknown };
  if (!res.ok) throw new Error(`${procedure}: HTTP ${res.status} ${JSON.stringify(body.error)}`);
  return body.result?.data as T;
}

async function revisions(): Promise<number> {
  const list = await call<{ revision: number }[]>('policies.revisions', undefined);
  return Math.max(0, ...list.map((r) => r.revision));
}

/** Requests per second the Routes section shows inventory-v2 receiving (`cell` 2), or receiving through rule 1 (`cell` 4). */
async function v2Rps(page: Page, cell = 2): Promise<number> {
  const row = page
    .getByRole('table', { name: 'Backends of rule 1' })
    .getByRole('row', { name: /^inventory-v2:8080/ });
  const text = (await row.getByRole('cell').nth(cell).textContent()) ?? '';
  return Number.parseFloat(text.replace('–', '0'));
}

/** Requests per second of rule 1 of the split, from the per-route metrics line. */
async function ruleRps(page: Page): Promise<number> {
  const line = page.getByLabel('Traffic of rule 1 of HTTPRoute inventory-split');
  if ((await line.count()) === 0) return 0;
  const text = (await line.textContent()) ?? '';
  return Number.parseFloat(/RPS\s*([\d.]+)/.exec(text)?.[1] ?? '0');
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(420_000);
  // The split is made in the caller's proxy and measured on the backends' proxies.
  const meshed = await call<{ name: string; meshed: boolean }[]>('workloads.list', { namespace: 'demo' });
  for (const name of ['catalog', 'inventory', 'inventory-v2'])
    if (!meshed.find((w) => w.name === name)?.meshed)
      await call('workloads.mesh', { namespace: 'demo', name }, true);
  await expect
    .poll(
      async () => {
        const list = await call<{ name: string; meshState: string; readyReplicas: number }[]>(
          'workloads.list',
          { namespace: 'demo' },
        );
        return list
          .filter((w) => ['catalog', 'inventory', 'inventory-v2'].includes(w.name))
          .every((w) => w.meshState === 'meshed' && w.readyReplicas > 0);
      },
      // Rollouts go a few at a time; on a loaded machine each pod takes a while to be ready.
      { timeout: 240_000, intervals: [1000] },
    )
    .toBe(true);
  await call('policies.applyYaml', { yaml: SPLIT_YAML }, true);
  // Fresh proxies need a few scrapes before rates show: wait until catalog's calls to both versions do.
  await expect
    .poll(
      async () => {
        const seen = await Promise.all(
          ['inventory', 'inventory-v2'].map(async (name) => {
            const edges = await call<{ source: { name: string }; metrics: { rps: number } }[]>(
              'topology.edges',
              { namespace: 'demo', name, window: '1m' },
            );
            return edges.some((e) => e.source.name === 'catalog' && e.metrics.rps > 0);
          }),
        );
        return seen.every(Boolean);
      },
      { timeout: 150_000, intervals: [2000] },
    )
    .toBe(true);
});

test.beforeEach(async ({ page }) => {
  await logIn(page, { webUrl: `http://127.0.0.1:${WEB_PORT}`, apiUrl: API, stateDir: STATE_DIR });
});

test('moving the split slider and applying sends inventory-v2 more traffic', async ({ page }, testInfo) => {
  test.setTimeout(150_000);
  await page.goto(SERVICE_PAGE);
  await expect(page.getByRole('heading', { name: 'inventory', level: 1 })).toBeVisible();
  const routes = page.getByRole('region', { name: 'Routes' });
  await expect(routes.getByRole('heading', { name: /HTTPRoute inventory-split/ })).toBeVisible({
    timeout: 30_000,
  });
  // Wait for the 10% to show up in the metrics, then note it.
  await expect.poll(() => v2Rps(page), { timeout: 60_000, intervals: [1000] }).toBeGreaterThan(0);
  const before = await v2Rps(page);
  // The rule's own golden metrics (catalog's proxy counts the route) show its traffic, and
  // what it sends inventory-v2.
  await expect.poll(() => ruleRps(page), { timeout: 60_000, intervals: [1000] }).toBeGreaterThan(0);
  await expect(routes.getByLabel('Traffic of rule 1 of HTTPRoute inventory-split')).toContainText(
    /Success\s*\d/,
  );
  await expect.poll(() => v2Rps(page, 4), { timeout: 60_000, intervals: [1000] }).toBeGreaterThan(0);
  const beforeViaRule = await v2Rps(page, 4);

  const editor = page.getByRole('region', { name: 'Edit policy' });
  const v1 = editor.getByRole('slider', { name: 'Weight of inventory', exact: true });
  const v2 = editor.getByRole('slider', { name: 'Weight of inventory-v2', exact: true });
  await expect(v2).toHaveValue('10');
  await v1.focus();
  await v1.press('Home');
  await v2.focus();
  await v2.press('End');
  // The YAML view follows the form.
  await expect(editor.getByRole('textbox', { name: 'Policy YAML' })).toContainText(
    '{ name: inventory-v2, port: 8080, weight: 100 }',
  );
  const validation = editor.getByRole('status', { name: 'Validation' });
  await expect(validation).toContainText('The controller accepts this change', { timeout: 15_000 });
  const revision = (await revisions()) + 1;
  await editor.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(editor.getByRole('status', { name: 'Propagation' })).toContainText(
    new RegExp(`Applied: all \\d+ proxies run revision ${revision}\\.`),
    { timeout: 15_000 },
  );
  await screenshot(page, testInfo, 'service-applied');
  // The 1-minute rate of inventory-v2 climbs as the new split replaces the old one.
  await expect.poll(() => v2Rps(page), { timeout: 60_000, intervals: [2000] }).toBeGreaterThan(before * 2);
  // So does what the rule sends it, in the per-route metrics.
  await expect
    .poll(() => v2Rps(page, 4), { timeout: 60_000, intervals: [2000] })
    .toBeGreaterThan(beforeViaRule * 2);
});

test('bad input shows the controller’s message next to the field and applies nothing', async ({ page }) => {
  test.setTimeout(90_000);
  const revision = await revisions();
  await page.goto(SERVICE_PAGE);
  const editor = page.getByRole('region', { name: 'Edit policy' });
  const validation = editor.getByRole('status', { name: 'Validation' });
  const apply = editor.getByRole('button', { name: 'Apply', exact: true });
  const markers = editor.locator('.cm-lintRange-error');
  const discard = editor.getByRole('button', { name: 'Discard changes' });

  await test.step('weight -1', async () => {
    const weight = editor.getByRole('spinbutton', { name: 'Weight of inventory-v2 (number)' });
    await weight.fill('-1');
    await expect(weight).toHaveAttribute('aria-invalid', 'true', { timeout: 15_000 });
    await expect(weight).toHaveAccessibleDescription(/Too small: expected number to be >=0/);
    await expect(validation).toContainText('The controller refuses this change');
    await expect(markers.first()).toBeVisible();
    await expect(apply).toBeDisabled();
    await discard.click();
  });

  await test.step('a regex that does not compile', async () => {
    await editor.getByRole('combobox', { name: 'Path match' }).selectOption('RegularExpression');
    const path = editor.getByRole('textbox', { name: 'Path', exact: true });
    await path.fill('/items/(');
    await expect(path).toHaveAccessibleDescription(/regular expression "\/items\/\(" does not compile/, {
      timeout: 15_000,
    });
    await expect(markers.first()).toBeVisible();
    await expect(apply).toBeDisabled();
    await discard.click();
  });

  await test.step('a backend that does not exist', async () => {
    await editor.getByRole('button', { name: 'Add backend' }).click();
    const name = editor.getByRole('textbox', { name: 'Backend 3 Service' });
    await name.fill('inventory-v9');
    await expect(name).toHaveAccessibleDescription('Service demo/inventory-v9 does not exist', {
      timeout: 15_000,
    });
    await expect(markers.first()).toBeVisible();
    await expect(apply).toBeDisabled();
    await discard.click();
  });

  await expect(validation).toContainText('No change from the live policy');
  expect(await revisions()).toBe(revision);
});

test('rollback shows its diff, asks, and restores the previous revision', async ({ page }, testInfo) => {
  test.setTimeout(60_000);
  const live = await revisions();
  await page.goto(SERVICE_PAGE);
  const history = page.getByRole('table', { name: 'Policy revisions' });
  await history.getByRole('button', { name: `Roll back to ${live - 1}` }).click();
  const diff = page.getByRole('region', { name: `Changes a rollback to revision ${live - 1} makes` });
  await expect(diff).toContainText('HTTPRoute demo/inventory-split');
  await expect(diff).toContainText(/-\s+weight: 100/);
  await expect(diff).toContainText(/\+\s+weight: 10\b/);
  const confirm = page.getByRole('group', { name: `Roll back to revision ${live - 1}?` });
  await screenshot(page, testInfo, 'service-rollback');
  await confirm.getByRole('button', { name: `Confirm rollback to ${live - 1}` }).click();
  await expect(history.getByRole('row', { name: new RegExp(`^${live + 1}\\s*live`) })).toContainText(
    `rollback to ${live - 1}`,
    { timeout: 10_000 },
  );
  const route = await call<{ document: { spec: { rules: { backendRefs: { weight: number }[] }[] } } }>(
    'policies.get',
    { kind: 'HTTPRoute', namespace: 'demo', name: 'inventory-split' },
  );
  expect(route.document.spec.rules[0]?.backendRefs.map((b) => b.weight)).toEqual([90, 10]);
  // The form follows the live policy.
  await expect(
    page
      .getByRole('region', { name: 'Edit policy' })
      .getByRole('slider', { name: 'Weight of inventory-v2', exact: true }),
  ).toHaveValue('10');
});

test('the dry run of a deny policy names demo/catalog → demo/inventory before apply', async ({ page }) => {
  test.setTimeout(60_000);
  const revision = await revisions();
  await page.goto(SERVICE_PAGE);
  const editor = page.getByRole('region', { name: 'Edit policy' });
  const yaml = editor.getByRole('textbox', { name: 'Policy YAML' });
  await yaml.click();
  await page.keyboard.press('Control+End');
  // A Server on inventory's port with no AuthorizationPolicy: every caller is denied.
  await page.keyboard.insertText(
    '\n---\napiVersion: policy.weft.dev/v1beta1\nkind: Server\nmetadata:\n  name: inventory-http\n  namespace: demo\nspec:\n  podSelector:\n    matchLabels: { app: inventory }\n  port: 8080\n',
  );
  await expect(editor.getByRole('status', { name: 'Validation' })).toContainText(
    'The controller accepts this change',
    { timeout: 15_000 },
  );
  await expect(editor.getByRole('region', { name: 'Change in words' })).toContainText(
    'Server demo/inventory-http',
  );
  const denied = editor
    .getByRole('table', { name: 'Edges whose verdict changes' })
    .getByRole('row', { name: /^demo\/catalog → demo\/inventory:8080/ });
  await expect(denied).toContainText('would deny', { timeout: 15_000 });
  await editor.getByRole('combobox', { name: 'Traffic of the last' }).selectOption('15');
  await expect(denied).toContainText('would deny', { timeout: 15_000 });
  await editor.getByRole('button', { name: 'Discard changes' }).click();
  expect(await revisions()).toBe(revision);
});

test('a canary against a failing inventory-v2 rolls back by itself, the failed gate on its timeline', async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  const pods = await call<{ ip: string; ready: boolean }[]>('pods.list', {
    namespace: 'demo',
    workload: 'inventory-v2',
  });
  const knobs = async (failureRate: number) => {
    for (const p of pods.filter((x) => x.ready)) {
      const res = await fetch(`http://${p.ip}:8080/_demo/knobs`, {
        method: 'PUT',
        body: JSON.stringify({ failureRate }),
      });
      expect(res.ok).toBe(true);
    }
  };
  await knobs(0.8);
  try {
    await page.goto(SERVICE_PAGE);
    const panel = page.getByRole('region', { name: 'Canary' });
    const form = panel.getByRole('form', { name: 'Start a canary' });
    await form.getByRole('combobox', { name: 'Stable backend' }).selectOption('inventory');
    await form.getByRole('combobox', { name: 'Canary backend' }).selectOption('inventory-v2');
    await form.getByRole('textbox', { name: 'Steps (% to the canary)' }).fill('50, 100');
    await form.getByRole('spinbutton', { name: 'Hold each step (s)' }).fill('10');
    await form.getByRole('spinbutton', { name: 'Min success rate (%)' }).fill('95');
    await form.getByRole('button', { name: 'Start canary' }).click();
    await expect(panel.getByRole('heading', { name: /Canary inventory → inventory-v2 running/ })).toBeVisible(
      {
        timeout: 15_000,
      },
    );
    const timeline = panel.getByRole('list', { name: 'Canary timeline' });
    await expect(timeline).toContainText(/gate failed/i, { timeout: 60_000 });
    await expect(panel.getByRole('heading', { name: /Canary inventory → inventory-v2 failed/ })).toBeVisible({
      timeout: 15_000,
    });
    await expect(timeline).toContainText(/revert/i);
    await screenshot(page, testInfo, 'service-canary-failed');
    const route = await call<{
      document: { spec: { rules: { backendRefs: { name: string; weight: number }[] }[] } };
    }>('policies.get', { kind: 'HTTPRoute', namespace: 'demo', name: 'inventory-split' });
    const weights = Object.fromEntries(
      route.document.spec.rules[0]?.backendRefs.map((b) => [b.name, b.weight]) ?? [],
    );
    expect(weights['inventory-v2'] ?? 0).toBe(0);
  } finally {
    await knobs(0.01);
  }
});

test('viewers see the policy read-only', async ({ page }) => {
  await logIn(page, {
    webUrl: `http://127.0.0.1:${WEB_PORT}`,
    apiUrl: API,
    stateDir: STATE_DIR,
    role: 'viewer',
  });
  await page.goto(SERVICE_PAGE);
  const editor = page.getByRole('region', { name: 'Edit policy' });
  await expect(editor.getByRole('status', { name: 'Validation' })).toContainText('Read-only', {
    timeout: 30_000,
  });
  await expect(editor.getByRole('slider', { name: 'Weight of inventory-v2', exact: true })).toBeDisabled();
  await expect(editor.getByRole('button', { name: 'Apply', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Roll back to/ })).toHaveCount(0);
});
