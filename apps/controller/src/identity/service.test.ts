import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCa } from './ca.ts';
import { createIdentity, type Identity } from './index.ts';
import { IdentityService } from './service.ts';
import { makeCsr } from './test-util.ts';
import { HmacTokens } from './token.ts';
import { x509 } from './x509.ts';

const WEB = 'web.demo.serviceaccount.identity.weft.cluster.local';
let dir: string;
let id: Identity;
const logs: string[] = [];
const registry = new Registry();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-identity-svc-'));
  id = await createIdentity({
    stateDir: dir,
    trustDomain: 'cluster.local',
    certLifetimeMs: 3600_000,
    registry,
    log: (level, m) => logs.push(`${level} ${m}`),
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('IdentityService.certify', () => {
  it('signs the CSR of the workload the token proves, chained to the trust anchor', async () => {
    const token = id.tokens.issue({
      namespace: 'demo',
      serviceAccount: 'web',
      workload: 'web',
      pod: 'web-1',
    });
    const res = await id.service.certify({ csr: (await makeCsr([WEB])).pem, token });
    expect(res.identity).toBe(WEB);
    const leaf = new x509.X509Certificate(res.certificate);
    const issuer = new x509.X509Certificate(res.intermediates[0] ?? '');
    const anchor = new x509.X509Certificate(res.trustAnchors);
    expect(await leaf.verify({ publicKey: issuer.publicKey, signatureOnly: true })).toBe(true);
    expect(await issuer.verify({ publicKey: anchor.publicKey, signatureOnly: true })).toBe(true);
    expect(new Date(res.notAfter).getTime() - Date.now()).toBeGreaterThan(3590_000);
    expect(id.service.certificates({ namespace: 'demo', workload: 'web' })).toMatchObject([
      { identity: WEB, pod: 'web-1', serialNumber: leaf.serialNumber, notAfter: res.notAfter },
    ]);
  });

  it('refuses a CSR for another identity than the token proves, with a log line and a metric', async () => {
    const token = id.tokens.issue({ namespace: 'demo', serviceAccount: 'web', pod: 'web-1' });
    const csr = (await makeCsr(['admin.demo.serviceaccount.identity.weft.cluster.local'])).pem;
    await expect(id.service.certify({ csr, token })).rejects.toMatchObject({
      code: 'WEFT_FORBIDDEN',
      message: expect.stringMatching(/asks for identity "admin\.demo.*" but the token proves "web\.demo/),
    });
    expect(logs.at(-1)).toMatch(/^warn refused certificate for demo\/web-1 \(identity_mismatch\)/);
    expect(await registry.getSingleMetricAsString('identity_certify_total')).toMatch(
      /identity_certify_total\{result="identity_mismatch"\} 1/,
    );
  });

  it('refuses a token of another workload than the CSR names', async () => {
    const token = id.tokens.issue({ namespace: 'shop', serviceAccount: 'cart' });
    await expect(id.service.certify({ csr: (await makeCsr([WEB])).pem, token })).rejects.toThrow(
      /token proves "cart\.shop\.serviceaccount/,
    );
  });

  it('refuses a forged token, with a log line and a metric', async () => {
    const forger = new HmacTokens(HmacTokens.newSecret());
    const token = forger.issue({ namespace: 'demo', serviceAccount: 'web' });
    await expect(id.service.certify({ csr: (await makeCsr([WEB])).pem, token })).rejects.toMatchObject({
      code: 'WEFT_UNAUTHENTICATED',
    });
    expect(logs.at(-1)).toMatch(
      /refused certificate for unknown workload \(invalid_token\): token: signature is invalid/,
    );
    expect(id.service.status().rejectedTotal.invalid_token).toBe(1);
  });

  it('refuses malformed input naming the field, and signs nothing', async () => {
    const before = id.service.status().issuedTotal;
    await expect(id.service.certify({ csr: 'x', token: '' })).rejects.toThrow(
      /csr: must be a PEM.*token: must not be empty/,
    );
    expect(id.service.status().issuedTotal).toBe(before);
  });
});

describe('IdentityService.certify, retried', () => {
  it('gives a retried CSR of the same pod and key the certificate already issued, not a new one', async () => {
    const token = id.tokens.issue({
      namespace: 'retry',
      serviceAccount: 'web',
      workload: 'web',
      pod: 'web-2',
    });
    const identity = 'web.retry.serviceaccount.identity.weft.cluster.local';
    const csr = (await makeCsr([identity])).pem;
    const issuedBefore = id.service.status().issuedTotal;
    const first = await id.service.certify({ csr, token });
    const second = await id.service.certify({ csr, token });
    expect(second.certificate).toBe(first.certificate);
    expect(id.service.status().issuedTotal).toBe(issuedBefore + 1);
    expect(await registry.getSingleMetricAsString('identity_certify_total')).toMatch(
      /identity_certify_total\{result="reused"\} 1/,
    );
    expect(logs.at(-1)).toMatch(/re-sent the certificate just issued to retry\/web-2/);
  });

  it('signs a new certificate for a new key, and for another pod with the same key', async () => {
    const identity = 'web.retry.serviceaccount.identity.weft.cluster.local';
    const tokenA = id.tokens.issue({
      namespace: 'retry',
      serviceAccount: 'web',
      workload: 'web',
      pod: 'web-3',
    });
    const tokenB = id.tokens.issue({
      namespace: 'retry',
      serviceAccount: 'web',
      workload: 'web',
      pod: 'web-4',
    });
    const csr = (await makeCsr([identity])).pem;
    const a = await id.service.certify({ csr, token: tokenA });
    const b = await id.service.certify({ csr, token: tokenB });
    const c = await id.service.certify({ csr: (await makeCsr([identity])).pem, token: tokenA });
    const serials = [a, b, c].map((r) => new x509.X509Certificate(r.certificate).serialNumber);
    expect(new Set(serials).size).toBe(3);
  });

  it('signs a fresh certificate for a renewal with the same key once a tenth of the lifetime has passed', async () => {
    const shortLived = await createIdentity({
      stateDir: join(dir, 'short-lived'),
      trustDomain: 'cluster.local',
      certLifetimeMs: 2_000,
      log: () => {},
    });
    const token = shortLived.tokens.issue({ namespace: 'renew', serviceAccount: 'web', pod: 'web-5' });
    const csr = (await makeCsr(['web.renew.serviceaccount.identity.weft.cluster.local'])).pem;
    const first = await shortLived.service.certify({ csr, token });
    await new Promise((r) => setTimeout(r, 400));
    const renewed = await shortLived.service.certify({ csr, token });
    expect(renewed.certificate).not.toBe(first.certificate);
  });
});

describe('IdentityService.status', () => {
  it('gives the anchor and issuer subjects and expiry, no warning for a fresh CA', () => {
    const s = id.service.status();
    expect(s.trustAnchor.subject).toBe('CN=root.weft.cluster.local');
    expect(s.issuer.subject).toBe('CN=identity.weft.cluster.local');
    expect(s.certLifetimeSeconds).toBe(3600);
    expect(s.warnings).toEqual([]);
    expect(s.issuer.expiringSoon).toBe(false);
  });

  it('warns when the issuer expires within 60 days', async () => {
    const ca = await generateCa({ trustDomain: 'cluster.local', issuerLifetimeMs: 30 * 86400_000 });
    const svc = new IdentityService({
      ca: { ca, source: 'supplied', identityDir: dir },
      validator: id.tokens,
      trustDomain: 'cluster.local',
      certLifetimeMs: 60_000,
    });
    const s = svc.status();
    expect(s.issuer.expiringSoon).toBe(true);
    expect(s.trustAnchor.expiringSoon).toBe(false);
    expect(s.warnings).toEqual([
      expect.stringMatching(/^The issuer \(CN=identity\.weft\.cluster\.local\) expires in (29|30) days/),
    ]);
  });
});

describe('issued certificate records', () => {
  it('survive a controller restart (reloaded from the state directory)', async () => {
    const token = id.tokens.issue({
      namespace: 'shop',
      serviceAccount: 'cart',
      workload: 'cart',
      pod: 'cart-7',
    });
    const res = await id.service.certify({
      csr: (await makeCsr(['cart.shop.serviceaccount.identity.weft.cluster.local'])).pem,
      token,
    });
    await new Promise((r) => setTimeout(r, 1200)); // writes are batched, one per second
    const again = await createIdentity({ stateDir: dir, trustDomain: 'cluster.local', log: () => {} });
    expect(again.service.certificates({ namespace: 'shop' })).toMatchObject([
      {
        pod: 'cart-7',
        identity: 'cart.shop.serviceaccount.identity.weft.cluster.local',
        notAfter: res.notAfter,
      },
    ]);
  });
});

describe('IdentityService.noteHeld', () => {
  it("takes what a proxy says it holds into its pod's record, and ignores an unknown pod", async () => {
    const token = id.tokens.issue({
      namespace: 'held',
      serviceAccount: 'web',
      workload: 'web',
      pod: 'web-9',
    });
    const csr = (await makeCsr(['web.held.serviceaccount.identity.weft.cluster.local'])).pem;
    await id.service.certify({ csr, token });
    id.service.noteHeld('held', 'web-9', { issuerSerial: 'abc', anchorsDigest: '0123456789abcdef' });
    id.service.noteHeld('held', 'web-10', { issuerSerial: 'abc', anchorsDigest: '0123456789abcdef' });
    expect(id.service.certificates({ namespace: 'held' })).toMatchObject([
      { pod: 'web-9', issuerSerial: 'abc', anchorsDigest: '0123456789abcdef' },
    ]);
  });
});
