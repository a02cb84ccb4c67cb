/**
 * Certificate lifecycle in the dashboard, on a controller of this file's own whose CA was
 * made here with openssl: the issuer expires in 30 days, so every page carries the expiry
 * banner, and the Identity page counts down to the issuer's and the anchor's expiry.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { logIn } from '../support/login.ts';
import { freePort, type Owned, startController, startDashboard, stop } from '../support/processes.ts';

/** Third octet of this file's address blocks (it runs no pods: its manifest directory is empty). */
const OCTET = 50;

let controller: Owned | null = null;
let dashboard: Owned | null = null;
let work = '';
let api = '';
let web = '';

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: work, stdio: 'pipe', timeout: 20_000 });
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  work = mkdtempSync(join(tmpdir(), 'weft-e2e-expiry-'));
  writeFileSync(
    join(work, 'ca.ext'),
    'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n',
  );
  const ec = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  openssl(['genpkey', ...ec, '-out', 'anchor.key']);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    'anchor.key',
    '-subj',
    '/CN=anchor.test',
    '-days',
    '365',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    'anchor.pem',
  ]);
  openssl(['genpkey', ...ec, '-out', 'issuer.key']);
  openssl(['req', '-new', '-key', 'issuer.key', '-subj', '/CN=issuer.test', '-out', 'issuer.csr']);
  openssl([
    'x509',
    '-req',
    '-in',
    'issuer.csr',
    '-CA',
    'anchor.pem',
    '-CAkey',
    'anchor.key',
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    'ca.ext',
    '-out',
    'issuer.pem',
  ]);
  mkdirSync(join(work, 'manifests'));
  const apiPort = await freePort();
  controller = await startController({
    port: apiPort,
    stateDir: join(work, 'state'),
    manifestsDir: join(work, 'manifests'),
    octet: OCTET,
    env: {
      WEFT_IDENTITY_TRUST_ANCHOR_FILE: join(work, 'anchor.pem'),
      WEFT_IDENTITY_ISSUER_CERT_FILE: join(work, 'issuer.pem'),
      WEFT_IDENTITY_ISSUER_KEY_FILE: join(work, 'issuer.key'),
    },
  });
  api = `http://127.0.0.1:${apiPort}`;
  const webPort = await freePort();
  dashboard = await startDashboard({ port: webPort, controllerUrl: api });
  web = `http://127.0.0.1:${webPort}`;
});

test.afterAll(async () => {
  await stop(dashboard);
  await stop(controller);
  if (work) rmSync(work, { recursive: true, force: true });
});

test('every page warns of the issuer expiring, and the Identity page counts down', async ({ page }) => {
  await logIn(page, { webUrl: web, apiUrl: api, stateDir: join(work, 'state') });
  for (const path of ['/', '/topology', '/health']) {
    await page.goto(`${web}${path}`);
    const banner = page.getByRole('alert', { name: 'Certificate expiry' });
    await expect(banner).toContainText('The issuer certificate is valid for 60 days or more');
    await expect(banner).toContainText(/CN=issuer\.test expires in (29|30) days/);
  }
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Identity' }).click();
  await expect(page.getByRole('heading', { name: 'Identity', level: 1 })).toBeVisible();
  await expect(page.getByTestId('countdown-issuer')).toHaveText(
    /^(29|30) days left \(under 60 days: rotate it\)$/,
  );
  await expect(page.getByTestId('countdown-trust-anchor')).toHaveText(/^36[45] days left$/);
  await expect(page.getByRole('table', { name: 'Proxy certificates' })).toContainText(
    'No proxy has asked for a certificate yet.',
  );
});
