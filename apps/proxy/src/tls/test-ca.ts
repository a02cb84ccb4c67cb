/** Test helper: a throwaway mesh CA and workload credentials, as the controller would sign them. */
// A general X.509 library signs here (the proxy itself only makes CSRs: identity/x509.ts).
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import * as x509 from '@peculiar/x509';
import type { CertifyResponse } from '@weft/shared';
import type { Credentials } from '../identity/manager.ts';
import { generateProxyKey, webCryptoPublicKey } from '../identity/x509.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
type Keys = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];

async function keyPair(): Promise<Keys> {
  return (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as unknown as Keys;
}

export interface TestCa {
  anchorPem: string;
  issue(identity: string, opts?: { notBefore?: Date; notAfter?: Date }): Promise<Credentials>;
  /** Signs a proxy's PEM CSR for `identity` (what the controller's `identity.certify` answers). */
  certify(csrPem: string, identity: string): Promise<CertifyResponse>;
}

/** A trust anchor that directly signs leaves (enough for TLS tests). */
export async function testCa(name = 'test'): Promise<TestCa> {
  const keys = await keyPair();
  const anchor = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=root.${name}`,
    keys,
    signingAlgorithm: EC_SIGN,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 86400_000),
    extensions: [new x509.BasicConstraintsExtension(true, 1, true)],
  });
  const anchorPem = anchor.toString('pem');
  return {
    anchorPem,
    async issue(identity, opts = {}) {
      const key = await generateProxyKey();
      const notBefore = opts.notBefore ?? new Date(Date.now() - 60_000);
      const notAfter = opts.notAfter ?? new Date(Date.now() + 3600_000);
      const leaf = await x509.X509CertificateGenerator.create({
        subject: `CN=${identity}`,
        issuer: anchor.subject,
        notBefore,
        notAfter,
        publicKey: (await webCryptoPublicKey(key)) as unknown as x509.PublicKeyType,
        signingKey: keys.privateKey,
        signingAlgorithm: EC_SIGN,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: identity }]),
        ],
      });
      const chainPem = leaf.toString('pem');
      return {
        identity,
        chainPem,
        keyPem: key.privateKeyPem,
        trustAnchorsPem: anchorPem,
        notBefore,
        notAfter,
        serial: leaf.serialNumber,
        issuerSerial: anchor.serialNumber,
        context: createSecureContext({
          key: key.privateKeyPem,
          cert: chainPem,
          ca: anchorPem,
          minVersion: 'TLSv1.3',
        }),
      };
    },
    async certify(csrPem, identity) {
      const csr = new x509.Pkcs10CertificateRequest(csrPem);
      const notBefore = new Date(Date.now() - 60_000);
      const notAfter = new Date(Date.now() + 3600_000);
      const leaf = await x509.X509CertificateGenerator.create({
        subject: `CN=${identity}`,
        issuer: anchor.subject,
        notBefore,
        notAfter,
        publicKey: csr.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: EC_SIGN,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: identity }]),
        ],
      });
      return {
        identity,
        certificate: leaf.toString('pem'),
        intermediates: [],
        trustAnchors: anchorPem,
        notBefore: notBefore.toISOString(),
        notAfter: notAfter.toISOString(),
      };
    },
  };
}

/** A fixed credential source (what the identity manager provides). */
export function staticCredentials(c: Credentials) {
  return { current: c as Credentials | undefined, onUpdate: () => () => {} };
}
