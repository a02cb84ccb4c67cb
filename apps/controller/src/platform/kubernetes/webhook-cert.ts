/**
 * The admission webhook's serving certificate: self-signed (ECDSA P-256), naming the
 * webhook Service's DNS names; the API server trusts it through the caBundle of the
 * MutatingWebhookConfiguration, which is this same certificate.
 */
import { EC_SIGN, generateKeyPair, privateKeyToPem, randomSerial, x509 } from '../../identity/x509.ts';

const DAY_MS = 86_400_000;

export interface ServingCert {
  certPem: string;
  keyPem: string;
}

/** A serving certificate for `dnsNames` (the first is its CN) and `ipAddresses`. */
export async function selfSignedServingCert(opts: {
  dnsNames: string[];
  ipAddresses?: string[];
  lifetimeMs?: number;
  now?: Date;
}): Promise<ServingCert> {
  const now = opts.now ?? new Date();
  const keys = await generateKeyPair();
  const names = [
    ...opts.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...(opts.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${opts.dnsNames[0] ?? 'weft-webhook'}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + (opts.lifetimeMs ?? 365 * DAY_MS)),
    keys,
    signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyToPem(keys.privateKey) };
}
