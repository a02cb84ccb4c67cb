import { describe, expect, it } from 'vitest';
import { checkCsr } from './csr.ts';
import { makeCsr } from './test-util.ts';
import { type CryptoKeyPair, EC_SIGN, x509 } from './x509.ts';

const ID = 'web.demo.serviceaccount.identity.weft.cluster.local';

describe('checkCsr', () => {
  it('returns the identity and key of a well-formed CSR', async () => {
    const { pem, csr } = await makeCsr([ID]);
    const checked = await checkCsr(pem);
    expect(checked.identity).toBe(ID);
    expect(Buffer.from(checked.publicKey.rawData).equals(Buffer.from(csr.publicKey.rawData))).toBe(true);
  });

  it('refuses garbage, saying so', async () => {
    await expect(
      checkCsr('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----'),
    ).rejects.toThrow(/csr: is not a PKCS#10/);
  });

  it('refuses a CSR with no or several identities', async () => {
    await expect(checkCsr((await makeCsr([])).pem)).rejects.toThrow(/exactly one DNS name/);
    await expect(
      checkCsr((await makeCsr([ID, 'other.demo.serviceaccount.identity.weft.cluster.local'])).pem),
    ).rejects.toThrow(/exactly one DNS name/);
  });

  it('refuses a CSR whose signature does not match its key (no proof of possession)', async () => {
    const { csr } = await makeCsr([ID]);
    const der = new Uint8Array(csr.rawData);
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0xff;
    const tampered = x509.PemConverter.encode(der.buffer, 'CERTIFICATE REQUEST');
    await expect(checkCsr(tampered)).rejects.toThrow(/csr: signature/);
  });

  it('refuses keys other than P-256', async () => {
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: `CN=${ID}`,
      keys,
      signingAlgorithm: { ...EC_SIGN, hash: 'SHA-384' },
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: ID }])],
    });
    await expect(checkCsr(csr.toString('pem'))).rejects.toThrow(/ECDSA P-256, got ECDSA P-384/);
  });
});
