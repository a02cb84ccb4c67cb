import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { createCsr, generateProxyKey, readCertificate } from './x509.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const IDENTITY = 'web.shop.serviceaccount.identity.weft.cluster.local';

/** A self-signed certificate with this serial (hex), read back by a general X.509 library. */
async function certWithSerial(serialNumber: string) {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];
  return x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=root.test',
    keys,
    serialNumber,
    notBefore: new Date('2026-01-02T03:04:05Z'),
    notAfter: new Date('2027-06-07T08:09:10Z'),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
}

/** The CSR's subject alternative names, as the controller reads them. */
function sanOf(csr: x509.Pkcs10CertificateRequest) {
  const ext = csr.getExtension('2.5.29.17');
  return ext instanceof x509.SubjectAlternativeNameExtension ? ext : undefined;
}

describe('proxy CSR', () => {
  it('is a PKCS#10 request a general X.509 library parses and verifies, naming the identity in CN and SAN', async () => {
    const key = await generateProxyKey();
    const pem = await createCsr(key, IDENTITY);
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
    const csr = new x509.Pkcs10CertificateRequest(pem);
    expect(await csr.verify()).toBe(true);
    expect(csr.subject).toBe(`CN=${IDENTITY}`);
    const san = sanOf(csr);
    expect(san?.names.items.map((n) => [n.type, n.value])).toEqual([['dns', IDENTITY]]);
    const alg = csr.publicKey.algorithm as webcrypto.EcKeyAlgorithm;
    expect([alg.name, alg.namedCurve]).toEqual(['ECDSA', 'P-256']);
    // Signed by the key whose private half the proxy keeps for TLS.
    const spki = key.publicKey.export({ type: 'spki', format: 'der' });
    expect(Buffer.from(csr.publicKey.rawData)).toEqual(spki);
  });

  it('carries a long identity (lengths past 127 bytes)', async () => {
    const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.serviceaccount.identity.weft.cluster.local`;
    const csr = new x509.Pkcs10CertificateRequest(await createCsr(await generateProxyKey(), long));
    expect(await csr.verify()).toBe(true);
    expect(sanOf(csr)?.names.items[0]?.value).toBe(long);
  });
});

describe('readCertificate', () => {
  it('reads validity and the serial as the CA names it, with or without a leading zero byte', async () => {
    for (const serial of ['01', '7f3a', '00ff10203040', '0a0b0c0d0e0f10111213141516171819', '00800001']) {
      const cert = await certWithSerial(serial);
      const read = readCertificate(cert.toString('pem'));
      expect(read.serialNumber).toBe(cert.serialNumber);
      expect(read.notBefore.toISOString()).toBe('2026-01-02T03:04:05.000Z');
      expect(read.notAfter.toISOString()).toBe('2027-06-07T08:09:10.000Z');
    }
  });

  it('refuses what is not a certificate', () => {
    expect(() => readCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toThrow();
  });
});
