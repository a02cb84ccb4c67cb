/**
 * The X.509 toolkit, set up once (`reflect-metadata` before `@peculiar/x509`, Node's
 * WebCrypto as provider), and the proxy's key pair: ECDSA P-256, made in memory at start.
 * The private key's PEM exists only in this process (for Node's TLS contexts).
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** The proxy's own key: the WebCrypto pair (to sign CSRs) and the private key as PEM (for TLS). */
export interface ProxyKey {
  keys: webcrypto.CryptoKeyPair;
  privateKeyPem: string;
}

/** Makes the proxy's key pair. */
export async function generateProxyKey(): Promise<ProxyKey> {
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keys, privateKeyPem: x509.PemConverter.encode(der, 'PRIVATE KEY') };
}

/** A PEM CSR for `identity` (SAN DNS and subject CN), signed with the proxy's key. */
export async function createCsr(key: ProxyKey, identity: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${identity}`,
    keys: key.keys as unknown as Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]['keys'],
    signingAlgorithm: EC_SIGN,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: identity }])],
  });
  return csr.toString('pem');
}
