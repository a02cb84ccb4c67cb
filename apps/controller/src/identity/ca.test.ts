import { describe, expect, it } from 'vitest';
import { checkCaMaterial, generateCa, signWorkloadCertificate } from './ca.ts';
import { makeCsr } from './test-util.ts';
import { x509 } from './x509.ts';

describe('generateCa', () => {
  it('makes a self-signed anchor and an issuer it signed, both CAs', async () => {
    const ca = await generateCa({ trustDomain: 'cluster.local' });
    expect(ca.trustAnchor.subject).toBe('CN=root.weft.cluster.local');
    expect(ca.issuer.subject).toBe('CN=identity.weft.cluster.local');
    expect(ca.issuer.issuer).toBe(ca.trustAnchor.subject);
    expect(await ca.trustAnchor.isSelfSigned()).toBe(true);
    expect(await ca.issuer.verify({ publicKey: ca.trustAnchor.publicKey, signatureOnly: true })).toBe(true);
    expect(ca.issuer.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);
    await expect(checkCaMaterial(ca)).resolves.toBeUndefined();
  });

  it('refuses an issuer that another anchor signed', async () => {
    const a = await generateCa({ trustDomain: 'cluster.local' });
    const b = await generateCa({ trustDomain: 'cluster.local' });
    await expect(checkCaMaterial({ ...a, issuer: b.issuer, issuerKey: b.issuerKey })).rejects.toThrow(
      /not signed by the trust anchor/,
    );
  });

  it('refuses an issuer key that does not match the issuer', async () => {
    const a = await generateCa({ trustDomain: 'cluster.local' });
    const b = await generateCa({ trustDomain: 'cluster.local' });
    await expect(checkCaMaterial({ ...a, issuerKey: b.issuerKey })).rejects.toThrow(
      /issuer key does not match/,
    );
  });

  it('refuses an expired CA', async () => {
    const old = await generateCa({
      trustDomain: 'cluster.local',
      now: new Date(Date.now() - 3 * 86400_000),
      issuerLifetimeMs: 86400_000,
    });
    await expect(checkCaMaterial(old)).rejects.toThrow(/issuer expired/);
  });
});

describe('signWorkloadCertificate', () => {
  it('signs a leaf for the identity, chained to the issuer, for the lifetime asked', async () => {
    const ca = await generateCa({ trustDomain: 'cluster.local' });
    const { csr } = await makeCsr(['web.demo.serviceaccount.identity.weft.cluster.local']);
    const now = new Date();
    const leaf = await signWorkloadCertificate(ca, {
      publicKey: csr.publicKey,
      identity: 'web.demo.serviceaccount.identity.weft.cluster.local',
      lifetimeMs: 60_000,
      now,
    });
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
    expect(san?.names.items.map((n) => n.value)).toEqual([
      'web.demo.serviceaccount.identity.weft.cluster.local',
    ]);
    expect(leaf.issuer).toBe(ca.issuer.subject);
    expect(await leaf.verify({ publicKey: ca.issuer.publicKey, signatureOnly: true })).toBe(true);
    expect(leaf.notAfter.getTime() - now.getTime()).toBeLessThanOrEqual(60_000);
    expect(leaf.notAfter.getTime() - now.getTime()).toBeGreaterThan(59_000);
    expect(leaf.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
  });

  it('never signs past the issuer', async () => {
    const ca = await generateCa({ trustDomain: 'cluster.local', issuerLifetimeMs: 3600_000 });
    const { csr } = await makeCsr(['a.b.serviceaccount.identity.weft.cluster.local']);
    const leaf = await signWorkloadCertificate(ca, {
      publicKey: csr.publicKey,
      identity: 'a.b.serviceaccount.identity.weft.cluster.local',
      lifetimeMs: 86400_000,
    });
    expect(leaf.notAfter.getTime()).toBe(ca.issuer.notAfter.getTime());
  });
});
