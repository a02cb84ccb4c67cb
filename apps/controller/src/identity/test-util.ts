/** Helpers for identity tests: CSRs as a proxy would make them. */
import { EC_SIGN, generateKeyPair, x509 } from './x509.ts';

/** A P-256 key pair and a CSR whose SAN holds `dnsNames`. */
export async function makeCsr(dnsNames: string[]) {
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${dnsNames[0] ?? 'none'}`,
    keys,
    signingAlgorithm: EC_SIGN,
    extensions: [new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns', value })))],
  });
  return { keys, csr, pem: csr.toString('pem') };
}
