// Playwright against Debian's Chromium, a real controller running the demo on the local
// platform (with real proxies), and the built dashboard pointed at it.
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './support/chromium.ts';
import { API_PORT, POD_OCTET, STATE_DIR, WEB_PORT } from './support/env.ts';
import { stopLeftovers } from './support/leftovers.ts';

// Once, in Playwright's main process (its workers load this file again) and before the
// controller starts: what an interrupted run left running would hold this run's pod addresses.
if (!process.env.WEFT_E2E_LEFTOVERS_STOPPED) {
  process.env.WEFT_E2E_LEFTOVERS_STOPPED = '1';
  for (const { dir, stopped } of stopLeftovers(undefined, STATE_DIR))
    console.log(`[e2e] stopped what an interrupted run left running (${stopped} processes of ${dir})`);
}

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  retries: 0,
  workers: 1,
  outputDir: '../test-results/e2e',
  reporter: [['list'], ['json']],
  use: {
    baseURL: `http://127.0.0.1:${WEB_PORT}`,
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
  },
  webServer: [
    {
      name: 'controller',
      command: 'node --import tsx apps/controller/src/main.ts',
      cwd: '..',
      url: `http://127.0.0.1:${API_PORT}/trpc/health.get`,
      reuseExistingServer: false,
      timeout: 60_000,
      // SIGTERM lets the controller stop every pod it started.
      gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
      env: {
        WEFT_API_ADDR: `127.0.0.1:${API_PORT}`,
        WEFT_STATE_DIR: STATE_DIR,
        WEFT_LOCAL_POD_OCTET: String(POD_OCTET),
      },
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      name: 'dashboard',
      command: `node ../node_modules/next/dist/bin/next start ../apps/web -H 127.0.0.1 -p ${WEB_PORT}`,
      url: `http://127.0.0.1:${WEB_PORT}`,
      reuseExistingServer: false,
      timeout: 60_000,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
      env: { NEXT_TELEMETRY_DISABLED: '1', CONTROLLER_URL: `http://127.0.0.1:${API_PORT}` },
    },
  ],
});
