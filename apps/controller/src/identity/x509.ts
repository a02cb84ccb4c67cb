/**
 * The X.509 toolkit, set up once: `@peculiar/x509` needs `reflect-metadata` loaded before
 * it and Node's WebCrypto as its provider. Also PEM helpers for ECDSA P-256 keys.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// `as never`: the parameter type differs with and without the DOM library (the dashboard
// type-checks this file through the router type), and Node's webcrypto fits both.
x509.cryptoProvider.set(webcrypto as never);

export { x509 };

/** WebCrypto key types (the project compiles without the DOM library). */
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** ECDSA over P-256, the only key type the mesh uses. */
export const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
/** ECDSA with SHA-256: the signature algorithm of every certificate and CSR. */
export const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** Makes a new P-256 key pair (extractable, so that it can be written to a key file). */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
}

/** PKCS#8 PEM of a private key. */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Reads a PKCS#8 PEM P-256 private key; throws when the PEM is not one. */
export async function privateKeyFromPem(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return (await webcrypto.subtle.importKey('pkcs8', der, EC_KEY, true, ['sign'])) as unknown as CryptoKey;
}

/** Random positive serial number, 16 bytes hex. */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
