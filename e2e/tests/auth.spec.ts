/**
 * Getting into the dashboard as a user does: without a session every page sends you to
 * the login page; a one-time link works once; a user logs in with a password; a viewer
 * sees the workloads but may not mesh them; Log out ends the session. The dashboard
 * refuses foreign Origins and Hosts and forbids framing.
 */
import { request } from 'node:http';
import { expect, test } from '@playwright/test';
import { API_PORT, STATE_DIR, WEB_PORT } from '../support/env.ts';
import { addUser, loginCode } from '../support/login.ts';

const WEB = `http://127.0.0.1:${WEB_PORT}`;
const API = `http://127.0.0.1:${API_PORT}`;

test('without a session the dashboard shows the login page; a login link works once', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Log in', level: 1 })).toBeVisible();

  const code = await loginCode(API, STATE_DIR);
  await page.goto(`/login/link?code=${code}`);
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Namespaces' })).toBeVisible();
  const cookie = (await page.context().cookies()).find((c) => c.name === 'weft_session');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

  await page.context().clearCookies();
  await page.goto(`/login/link?code=${code}`);
  await expect(page.getByRole('alert').filter({ hasText: 'Login failed' })).toContainText(
    'login link is unknown, used or expired',
  );
});

test('a viewer logs in with a password, sees workloads, may not mesh, and logs out', async ({ page }) => {
  addUser(STATE_DIR, 'vera', 'viewer', 'correct horse battery');
  await page.goto('/login');
  await page.getByLabel('User').fill('vera');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Login failed' })).toContainText(
    'unknown user or wrong password',
  );

  await page.getByLabel('User').fill('vera');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByText('vera')).toBeVisible();

  await nav.getByRole('link', { name: 'demo', exact: true }).click();
  const row = page
    .getByRole('table', { name: 'Workloads' })
    .getByRole('row', { name: 'inventory', exact: true });
  const mesh = row.getByRole('button', { name: 'Mesh inventory', exact: true });
  await expect(mesh).toBeVisible();
  await expect(mesh).toBeDisabled();
  await expect(mesh).toHaveAttribute('title', 'Mesh needs the admin role');

  // Pod output can hold secrets: a viewer is told it needs the admin role, and not shown it.
  await page.goto('/workloads/demo/inventory');
  await expect(page.getByText('Output needs the admin role').first()).toBeVisible();

  await nav.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByRole('heading', { name: 'Log in', level: 1 })).toBeVisible();
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});

test('the dashboard refuses a foreign Origin and Host, and forbids framing', async () => {
  const foreign = await fetch(`${WEB}/trpc/health.get`, { headers: { origin: 'http://evil.example' } });
  expect(foreign.status).toBe(403);
  const rebinding = await new Promise<number>((resolve, reject) => {
    const req = request(
      `${WEB}/trpc/health.get`,
      { headers: { host: `evil.example:${WEB_PORT}` }, setHost: false },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
  expect(rebinding).toBe(403);
  const home = await fetch(`${WEB}/login`);
  expect(home.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
});
