/**
 * `weft identity rotate` against a real controller (no workloads, so no proxy to wait
 * for): each step in order, the JSON a script reads, the lines a person reads, and the
 * refusals of bad usage with their exit codes.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningController, reserveOctet, startController, tempDir, weft } from './harness.ts';

describe('weft identity', () => {
  let controller: RunningController;
  let work: string;
  let env: Record<string, string>;
  let stateDir: string;

  /** Starts a rotation over the API itself, as the dashboard would. */
  async function startOverApi(kind: 'issuer' | 'anchor') {
    const token = readFileSync(join(stateDir, 'auth', 'admin-token'), 'utf8').trim();
    const res = await fetch(`${controller.url}/trpc/identity.rotation.start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ kind }),
      signal: AbortSignal.timeout(20_000),
    });
    expect(res.status).toBe(200);
  }

  beforeAll(async () => {
    work = tempDir('weft-cli-rotate-');
    const manifests = join(work, 'manifests');
    mkdirSync(manifests);
    stateDir = join(work, 'state');
    controller = await startController({ stateDir, octet: await reserveOctet(), manifestsDir: manifests });
    env = { WEFT_CONTROLLER_URL: controller.url, WEFT_STATE_DIR: stateDir };
  }, 60_000);

  afterAll(async () => {
    await controller?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('rotates the issuer through the four steps, with -o json', async () => {
    const before = JSON.parse((await weft(['identity', 'status', '-o', 'json'], env)).stdout);
    const r = await weft(['identity', 'rotate', '--issuer', '-o', 'json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.steps.map((s: { phase: string }) => s.phase)).toEqual([
      'generated',
      'distributing',
      'switching',
      'finished',
    ]);
    expect(out.status).toMatchObject({ active: null, lastFinished: { kind: 'issuer' } });
    const after = JSON.parse((await weft(['identity', 'status', '-o', 'json'], env)).stdout);
    expect(after.ca.issuer.serialNumber).not.toBe(before.ca.issuer.serialNumber);
    expect(after.ca.trustAnchor.serialNumber).toBe(before.ca.trustAnchor.serialNumber);
  }, 60_000);

  it('rotates the trust anchor, printing one line per step without a terminal', async () => {
    const r = await weft(['identity', 'rotate', '--anchor'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1\/4 generated the new trust anchor and issuer/);
    expect(r.stdout).toMatch(/2\/4 distributing 2 trust anchors to 0 proxies/);
    expect(r.stdout).toMatch(/3\/4 the new issuer signs/);
    expect(r.stdout).toMatch(/4\/4 finished: the old trust anchor is gone/);
    const status = await weft(['identity', 'status'], env);
    expect(status.stdout).toMatch(/trust anchor\s+CN=root\.weft\.cluster\.local, OU=rotated-/);
    expect(status.stdout).toContain('no rotation in progress');
  }, 60_000);

  it('goes on with a rotation started elsewhere, refuses another kind meanwhile, and cancels one', async () => {
    await startOverApi('issuer');
    const status = await weft(['identity', 'status'], env);
    expect(status.stdout).toContain('issuer rotation, generated: new CA generated');
    const other = await weft(['identity', 'rotate', '--anchor'], env);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(
      'an issuer rotation is in progress (phase generated); finish it first (weft identity rotate --issuer) or cancel it (weft identity cancel)',
    );
    const cancelled = await weft(['identity', 'cancel'], env);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain('rotation cancelled');

    await startOverApi('issuer');
    const goOn = await weft(['identity', 'rotate'], env);
    expect(goOn.stderr).toBe('');
    expect(goOn.code).toBe(0);
    expect(goOn.stdout).toContain('going on with the issuer rotation in phase generated');
    expect(goOn.stdout).toMatch(/4\/4 finished: the old issuer is gone/);
  }, 90_000);

  it('refuses bad usage with exit 2, and a cancel with nothing to cancel with exit 1', async () => {
    const none = await weft(['identity', 'rotate'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('say what to rotate: --anchor (trust anchor and issuer) or --issuer');
    const half = await weft(
      ['identity', 'rotate', '--issuer', '--issuer-cert', join(work, 'missing.pem')],
      env,
    );
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/--issuer-cert: cannot read .*missing\.pem/);
    const cancel = await weft(['identity', 'cancel'], env);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toContain('WEFT_CONFLICT: identity rotation: no rotation is in progress');
  }, 60_000);
});
