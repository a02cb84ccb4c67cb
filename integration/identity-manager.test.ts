/**
 * The proxy's identity manager against the real controller API (in process, over HTTP):
 * first certificate, renewal at ~70% of a short lifetime, serving on the old certificate
 * while the controller is away, and a refused token.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiServer, startApiServer } from '@weft/controller/api/server';
import type { ApiServices } from '@weft/controller/api/trpc';
import { AuthService } from '@weft/controller/auth/service';
import { createIdentity, type Identity } from '@weft/controller/identity';
import { IdentityManager } from '@weft/proxy/identity/manager';
import { meshIdentity } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ID = meshIdentity('web', 'demo');
let dir: string;
let ctl: Identity;
let api: ApiServer;
let port: number;

async function startApi(listenPort: number): Promise<ApiServer> {
  const services = {
    startedAt: Date.now(),
    version: 'test',
    identity: ctl.service,
    // The proxy authenticates with its workload token, as against a real controller.
    auth: new AuthService({ stateDir: dir, enabled: true, workloads: ctl.validator }),
  } as unknown as ApiServices;
  return startApiServer(services, '127.0.0.1', listenPort);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-proxy-identity-'));
  ctl = await createIdentity({
    stateDir: dir,
    trustDomain: 'cluster.local',
    certLifetimeMs: 3000,
    log: () => {},
  });
  api = await startApi(0);
  port = Number(api.address.split(':')[1]);
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

function manager(token: string, logs: string[] = [], renewFraction = 0.7) {
  return new IdentityManager({
    renewFraction,
    controllerUrl: `http://127.0.0.1:${port}`,
    token,
    identity: ID,
    retryMinMs: 100,
    retryMaxMs: 300,
    log: (level, m) => logs.push(`${level} ${m}`),
  });
}

describe('IdentityManager', () => {
  it('obtains a certificate, exports its expiry, and renews it at about 70% of its lifetime', async () => {
    const m = manager(ctl.tokens.issue({ namespace: 'demo', serviceAccount: 'web' }));
    const updates: string[] = [];
    m.onUpdate((c) => updates.push(c.serial));
    expect(m.ready).toBe(false);
    const first = await m.start();
    try {
      expect(m.ready).toBe(true);
      expect(first.identity).toBe(ID);
      expect(m.metrics.render()).toContain(
        `identity_cert_expiration_timestamp_seconds ${Math.floor(first.notAfter.getTime() / 1000)}`,
      );
      // Lifetime 3 s: renewal comes between 60% and 70% of it, well before expiry.
      await new Promise((r) => setTimeout(r, 2300));
      expect(updates.length).toBeGreaterThanOrEqual(2);
      expect(m.current?.serial).not.toBe(first.serial);
      expect(m.current?.keyPem).toBe(first.keyPem);
      expect(m.metrics.refreshOk).toBeGreaterThanOrEqual(2);
    } finally {
      m.stop();
    }
  });

  it('keeps serving on the old certificate while the controller is away, and renews when it is back', async () => {
    const logs: string[] = [];
    // Renew early (30% of 3 s) so that a renewal fails while the certificate is still valid.
    const m = manager(ctl.tokens.issue({ namespace: 'demo', serviceAccount: 'web' }), logs, 0.3);
    const first = await m.start();
    try {
      await api.close();
      await new Promise((r) => setTimeout(r, 1200));
      expect(m.metrics.refreshFailure).toBeGreaterThanOrEqual(1);
      expect(m.current?.serial).toBe(first.serial);
      expect(m.ready).toBe(true);
      expect(logs.find((l) => l.startsWith('warn certificate request failed'))).toMatch(
        /still serving on the certificate valid until/,
      );
      api = await startApi(port);
      await new Promise((r) => setTimeout(r, 700));
      expect(m.current?.serial).not.toBe(first.serial);
    } finally {
      m.stop();
    }
  });

  it('does not become ready with a token the controller refuses, and says why', async () => {
    const logs: string[] = [];
    const m = manager(ctl.tokens.issue({ namespace: 'demo', serviceAccount: 'admin' }), logs);
    const started = m.start();
    await new Promise((r) => setTimeout(r, 400));
    m.stop();
    await expect(started).rejects.toThrow(/stopped before a certificate/);
    expect(m.ready).toBe(false);
    expect(logs[0]).toMatch(
      /^error certificate request failed \(1 in a row\): identity.certify refused \(HTTP 403\): certify: CSR asks for identity "web\.demo.*" but the token proves "admin\.demo/,
    );
  });
});
