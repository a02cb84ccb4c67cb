// Playwright against Debian's Chromium and a real running dashboard.
import { defineConfig } from '@playwright/test';

const WEB_PORT = Number(process.env.WEFT_E2E_WEB_PORT ?? 50760);

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  retries: 0,
  workers: 1,
  outputDir: '../test-results/e2e',
  reporter: [['list'], ['json']],
  use: {
    baseURL: `http://127.0.0.1:${WEB_PORT}`,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  webServer: {
    command: `node ../node_modules/next/dist/bin/next start ../apps/web -H 127.0.0.1 -p ${WEB_PORT}`,
    url: `http://127.0.0.1:${WEB_PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    env: { NEXT_TELEMETRY_DISABLED: '1' },
  },
});
