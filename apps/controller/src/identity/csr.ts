/**
 * Reads and checks a proxy's certificate signing request: well-formed PKCS#10, signed by
 * the key it carries (proof of possession), an ECDSA P-256 key, and exactly one identity
 * in its SAN. The identity is then compared with the token's workload by the caller.
 */

import type { webcrypto } from 'node:crypto';
import { ErrorCode, MeshError } from '@weft/shared';
import { EC_KEY, x509 } from './x509.ts';

/** A checked CSR: the identity it asks for and the key to certify. */
export interface CheckedCsr {
  identity: string;
  publicKey: x509.PublicKey;
}

const bad = (msg: string, cause?: unknown) => new MeshError(ErrorCode.invalidInput, `csr: ${msg}`, { cause });

/** Parses and checks a PEM CSR; throws a MeshError (`WEFT_INVALID_INPUT`) naming what is wrong. */
export async function checkCsr(pem: string): Promise<CheckedCsr> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (err) {
    throw bad('is not a PKCS#10 certificate signing request', err);
  }
  const alg = csr.publicKey.algorithm as webcrypto.EcKeyAlgorithm;
  if (alg.name !== EC_KEY.name || alg.namedCurve !== EC_KEY.namedCurve)
    throw bad(`key must be ECDSA P-256, got ${alg.name}${alg.namedCurve ? ` ${alg.namedCurve}` : ''}`);
  let signed = false;
  try {
    signed = await csr.verify();
  } catch (err) {
    throw bad('signature cannot be checked', err);
  }
  if (!signed) throw bad('signature does not match its public key');
  const raw = csr.getExtension('2.5.29.17');
  const san = raw instanceof x509.SubjectAlternativeNameExtension ? raw : undefined;
  const dns = san?.names.items.filter((n) => n.type === 'dns').map((n) => n.value) ?? [];
  const others = (san?.names.items.length ?? 0) - dns.length;
  if (dns.length !== 1 || others > 0)
    throw bad(`SAN must hold exactly one DNS name (the identity), got ${dns.length} DNS and ${others} other`);
  return { identity: dns[0] as string, publicKey: csr.publicKey };
}
