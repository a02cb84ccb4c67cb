/**
 * `weft check`'s exit status as a script sees it: 1 with the controller down (and the
 * check that says so); with an issuer certificate expiring in 30 days, 0 with a warning
 * that names the fix, and 1 with `--strict`. The controller runs with no workloads and a
 * CA made here with openssl.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningController, reserveOctet, startController, tempDir, weft } from './harness.ts';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe', timeout: 20_000 });
}

/** A trust anchor valid a year and an issuer it signed valid `issuerDays`. */
function makeCa(dir: string, issuerDays: number): { anchor: string; issuer: string; issuerKey: string } {
  const ext = join(dir, 'ca.ext');
  writeFileSync(ext, 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
  const ec = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  openssl(['genpkey', ...ec, '-out', 'anchor.key'], dir);
  openssl(
    [
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
    ],
    dir,
  );
  openssl(['genpkey', ...ec, '-out', 'issuer.key'], dir);
  openssl(['req', '-new', '-key', 'issuer.key', '-subj', '/CN=issuer.test', '-out', 'issuer.csr'], dir);
  openssl(
    [
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
      String(issuerDays),
      '-extfile',
      ext,
      '-out',
      'issuer.pem',
    ],
    dir,
  );
  return {
    anchor: join(dir, 'anchor.pem'),
    issuer: join(dir, 'issuer.pem'),
    issuerKey: join(dir, 'issuer.key'),
  };
}

describe('weft check with the controller down', () => {
  it('exits 1 and says the controller does not answer, and how to fix it', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const empty = tempDir('weft-cli-none-');
    const human = await weft(['check', '--controller', url], { WEFT_STATE_DIR: empty });
    rmSync(empty, { recursive: true, force: true });
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('× the controller API answers');
    expect(human.stdout).toContain(`cannot reach the controller at ${url}`);
    expect(human.stdout).toMatch(/fix: start the controller/);

    const json = await weft(['check', '-o', 'json'], { WEFT_CONTROLLER_URL: url });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.status).toBe('failure');
    expect(report.checks.map((c: { id: string }) => c.id)).toEqual(['control-plane.reachable']);
  });
});

describe('weft check with an issuer expiring in 30 days', () => {
  let controller: RunningController;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = tempDir('weft-cli-ca-');
    const ca = makeCa(work, 30);
    const manifests = join(work, 'manifests');
    mkdirSync(manifests);
    const stateDir = join(work, 'state');
    controller = await startController({
      stateDir,
      octet: await reserveOctet(),
      manifestsDir: manifests,
      env: {
        WEFT_IDENTITY_TRUST_ANCHOR_FILE: ca.anchor,
        WEFT_IDENTITY_ISSUER_CERT_FILE: ca.issuer,
        WEFT_IDENTITY_ISSUER_KEY_FILE: ca.issuerKey,
      },
    });
    env = { WEFT_CONTROLLER_URL: controller.url, WEFT_STATE_DIR: stateDir };
  }, 60_000);

  afterAll(async () => {
    await controller?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('warns, naming the issuer, its expiry and the fix, and exits 0', async () => {
    const r = await weft(['check'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('‼ the issuer certificate is valid for 60 days or more');
    expect(r.stdout).toMatch(/CN=issuer\.test expires in (29|30) days/);
    expect(r.stdout).toMatch(/fix: sign a new issuer certificate/);
    expect(r.stdout).toContain('√ the trust anchor is valid for 60 days or more');
    expect(r.stdout).toMatch(/0 failed, 1 with warnings/);
  });

  it('exits 1 with --strict, and reports the same in JSON', async () => {
    const strict = await weft(['check', '--strict'], env);
    expect(strict.code).toBe(1);
    const json = await weft(['check', '--strict', '-o', 'json'], env);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { status: string; checks: { id: string; status: string }[] };
    expect(report.status).toBe('warning');
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(byId['identity.issuer']).toBe('warning');
    expect(byId['identity.trust-anchor']).toBe('ok');
    expect(byId['control-plane.api']).toBe('ok');
  });
});
