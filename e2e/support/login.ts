/**
 * Logging in the way a user does: a one-time login link, minted with the admin token the
 * controller wrote to its state directory (as `npm start` does), opened in the browser.
 * Users with a password are added with the `users` command, as an operator would.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { REPO_ROOT } from './processes.ts';

/** The admin API token in a controller's state directory. */
export function adminToken(stateDir: string): string {
  return readFileSync(join(stateDir, 'auth', 'admin-token'), 'utf8').trim();
}

/** A fresh one-time login code from the controller at `apiUrl`. */
export async function loginCode(apiUrl: string, stateDir: string, role: 'admin' | 'viewer' = 'admin') {
  const res = await fetch(`${apiUrl}/trpc/auth.createLoginLink`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken(stateDir)}` },
    body: JSON.stringify({ role }),
  });
  const code = ((await res.json()) as { result?: { data?: { code?: string } } }).result?.data?.code;
  if (typeof code !== 'string') throw new Error(`auth.createLoginLink answered HTTP ${res.status}`);
  return code;
}

/** Opens a one-time login link in `page`; the dashboard then shows the overview. */
export async function logIn(
  page: Page,
  opts: { webUrl: string; apiUrl: string; stateDir: string; role?: 'admin' | 'viewer' },
) {
  const code = await loginCode(opts.apiUrl, opts.stateDir, opts.role);
  await page.goto(`${opts.webUrl}/login/link?code=${code}`);
}

/** Adds a dashboard user to a controller's state directory with the `users` command. */
export function addUser(stateDir: string, name: string, role: 'admin' | 'viewer', password: string): void {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'apps/controller/src/auth/users-cli.ts', 'add', name, role],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, WEFT_STATE_DIR: stateDir, WEFT_USER_PASSWORD: password },
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`users add ${name}: ${r.stderr}`);
}
