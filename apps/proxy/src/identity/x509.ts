/**
 * The proxy's key pair (ECDSA P-256, made in memory at start; the private key's PEM exists
 * only in this process, for Node's TLS contexts), its certificate signing request, and
 * what it reads from the certificate it gets back: all with Node's crypto and a few DER
 * helpers (der.ts).
 */
import { generateKeyPair, type KeyObject, sign, webcrypto, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { bitString, contextTag, octetString, oid, sequence, set, smallInteger, utf8String } from './der.ts';

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const generateKeyPairAsync = promisify(generateKeyPair);

const OID = {
  commonName: '2.5.4.3',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

/** The proxy's own key: the pair and the private key as PEM (for TLS). */
export interface ProxyKey {
  publicKey: KeyObject;
  privateKey: KeyObject;
  privateKeyPem: string;
}

/**
 * Makes the proxy's key pair, with Node's `generateKeyPair` (not WebCrypto's, whose
 * modules are some 0.25 MB more private memory in every proxy, for one key).
 */
export async function generateProxyKey(): Promise<ProxyKey> {
  const { publicKey, privateKey } = await generateKeyPairAsync('ec', { namedCurve: 'prime256v1' });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { publicKey, privateKey, privateKeyPem };
}

/** The public key as a WebCrypto key, for libraries that take one (certificate builders in tests). */
export function webCryptoPublicKey(key: ProxyKey): Promise<webcrypto.CryptoKey> {
  const spki = key.publicKey.export({ type: 'spki', format: 'der' });
  return webcrypto.subtle.importKey('spki', spki, EC_KEY, true, ['verify']);
}

/** A PEM CSR (PKCS#10) for `identity` (SAN DNS and subject CN), signed with the proxy's key. */
export async function createCsr(key: ProxyKey, identity: string): Promise<string> {
  const spki = key.publicKey.export({ type: 'spki', format: 'der' });
  const san = sequence(
    oid(OID.subjectAltName),
    octetString(sequence(contextTag(2, false, Buffer.from(identity, 'ascii')))),
  );
  const info = sequence(
    smallInteger(0),
    sequence(set(sequence(oid(OID.commonName), utf8String(identity)))),
    spki,
    contextTag(0, true, sequence(oid(OID.extensionRequest), set(sequence(san)))),
  );
  // ECDSA signatures from Node's `sign` are DER (r, s), as X.509 wants them.
  const signature = sign('sha256', info, key.privateKey);
  const der = sequence(info, sequence(oid(OID.ecdsaWithSha256)), bitString(signature));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE REQUEST-----\n${lines.join('\n')}\n-----END CERTIFICATE REQUEST-----`;
}

/** What the proxy reads from a PEM certificate: validity and serial number (lowercase hex). */
export function readCertificate(pem: string): { notBefore: Date; notAfter: Date; serialNumber: string } {
  const cert = new X509Certificate(pem);
  return {
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    // Node gives the INTEGER's value in uppercase hex, whole bytes: the CA's form, lowercased.
    serialNumber: cert.serialNumber.toLowerCase(),
  };
}
