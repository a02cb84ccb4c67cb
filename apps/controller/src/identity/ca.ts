/**
 * The mesh's certificate authority: a trust anchor (self-signed root) and an issuer
 * (an intermediate the anchor signs), both ECDSA P-256, and the signing of short-lived
 * workload certificates whose SAN is the workload's mesh identity.
 */
import { ErrorCode, MeshError } from '@weft/shared';
import { type CryptoKey, EC_SIGN, generateKeyPair, randomSerial, x509 } from './x509.ts';

/** What signs workload certificates. The anchor's key is kept only when it was generated here. */
export interface CaMaterial {
  trustAnchor: x509.X509Certificate;
  issuer: x509.X509Certificate;
  issuerKey: CryptoKey;
  /** Present for a generated CA; a user-supplied CA keeps its root key elsewhere. */
  trustAnchorKey?: CryptoKey;
}

const DAY_MS = 24 * 3600 * 1000;
/** Default validity of a generated trust anchor (10 years) and issuer (1 year). */
export const ANCHOR_LIFETIME_MS = 3650 * DAY_MS;
export const ISSUER_LIFETIME_MS = 365 * DAY_MS;
/** Certificates start this long before "now", so a peer whose clock lags a little accepts them. */
export const BACKDATE_MS = 10_000;

/** Options of {@link generateCa}; lifetimes in milliseconds. */
export interface GenerateCaOptions {
  trustDomain: string;
  now?: Date;
  anchorLifetimeMs?: number;
  issuerLifetimeMs?: number;
}

/** Makes a new trust anchor and an issuer signed by it. */
export async function generateCa(opts: GenerateCaOptions): Promise<CaMaterial> {
  const now = opts.now ?? new Date();
  const anchor = await generateAnchor(opts.trustDomain, opts.anchorLifetimeMs ?? ANCHOR_LIFETIME_MS, now);
  const issuer = await generateIssuer(anchor, {
    trustDomain: opts.trustDomain,
    now,
    ...(opts.issuerLifetimeMs === undefined ? {} : { issuerLifetimeMs: opts.issuerLifetimeMs }),
  });
  return { ...issuer, trustAnchorKey: anchor.key };
}

/** A trust anchor and its key. */
export interface GeneratedAnchor {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

/**
 * The subject of a CA certificate: `CN=<base>`, plus `OU=<label>` for a rotated one, so two
 * anchors (or issuers) trusted during a rotation's overlap never share a subject name.
 */
function caName(base: string, label?: string): string {
  return label ? `CN=${base}, OU=${label}` : `CN=${base}`;
}

/** Makes a self-signed trust anchor; `label` distinguishes a rotated one. */
export async function generateAnchor(
  trustDomain: string,
  lifetimeMs: number,
  now = new Date(),
  label?: string,
): Promise<GeneratedAnchor> {
  const anchorKeys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: caName(`root.weft.${trustDomain}`, label),
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + lifetimeMs),
    keys: anchorKeys,
    signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(anchorKeys.publicKey),
    ],
  });
  return { cert, key: anchorKeys.privateKey };
}

/** Makes an issuer signed by `anchor`, valid for `issuerLifetimeMs` but never past the anchor. */
export async function generateIssuer(
  anchor: GeneratedAnchor,
  opts: { trustDomain: string; now?: Date; issuerLifetimeMs?: number; label?: string },
): Promise<CaMaterial> {
  const now = opts.now ?? new Date();
  const issuerKeys = await generateKeyPair();
  const issuerNotAfter = Math.min(
    now.getTime() + (opts.issuerLifetimeMs ?? ISSUER_LIFETIME_MS),
    anchor.cert.notAfter.getTime(),
  );
  const anchorPublic = await anchor.cert.publicKey.export(x509.cryptoProvider.get());
  const issuer = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: caName(`identity.weft.${opts.trustDomain}`, opts.label),
    issuer: anchor.cert.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(issuerNotAfter),
    publicKey: issuerKeys.publicKey,
    signingKey: anchor.key,
    signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(issuerKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(anchorPublic),
    ],
  });
  return { trustAnchor: anchor.cert, issuer, issuerKey: issuerKeys.privateKey };
}

/**
 * Checks that CA material can sign certificates peers will accept: the issuer is a CA
 * signed by the anchor, both are valid now, and the issuer key matches the issuer
 * certificate. Throws a MeshError naming what is wrong.
 */
export async function checkCaMaterial(ca: CaMaterial, now = new Date()): Promise<void> {
  const bad = (msg: string) => new MeshError(ErrorCode.invalidInput, `identity CA: ${msg}`);
  for (const [name, cert] of [
    ['trust anchor', ca.trustAnchor],
    ['issuer', ca.issuer],
  ] as const) {
    if (cert.notAfter.getTime() <= now.getTime())
      throw bad(`${name} expired at ${cert.notAfter.toISOString()}`);
    if (cert.notBefore.getTime() > now.getTime() + BACKDATE_MS)
      throw bad(`${name} is not valid before ${cert.notBefore.toISOString()}`);
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    if (!bc?.ca) throw bad(`${name} (${cert.subject}) is not a CA certificate`);
  }
  if (!(await ca.trustAnchor.isSelfSigned())) throw bad('trust anchor is not self-signed');
  if (!(await ca.issuer.verify({ publicKey: ca.trustAnchor.publicKey, signatureOnly: true })))
    throw bad(`issuer (${ca.issuer.subject}) is not signed by the trust anchor (${ca.trustAnchor.subject})`);
  const probe = new TextEncoder().encode('weft-issuer-key-check');
  const sig = await crypto.subtle.sign(EC_SIGN, ca.issuerKey, probe);
  const issuerPub = await ca.issuer.publicKey.export(x509.cryptoProvider.get());
  if (!(await crypto.subtle.verify(EC_SIGN, issuerPub, sig, probe)))
    throw bad('issuer key does not match the issuer certificate');
}

/** Options of {@link signWorkloadCertificate}. */
export interface SignOptions {
  publicKey: x509.PublicKey;
  identity: string;
  lifetimeMs: number;
  now?: Date;
}

/**
 * Signs a workload certificate for `identity` (SAN DNS name and subject CN), usable for
 * both TLS client and server auth, valid `lifetimeMs` but never past the issuer.
 */
export async function signWorkloadCertificate(
  ca: CaMaterial,
  opts: SignOptions,
): Promise<x509.X509Certificate> {
  const now = opts.now ?? new Date();
  const notAfter = Math.min(now.getTime() + opts.lifetimeMs, ca.issuer.notAfter.getTime());
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${opts.identity}`,
    issuer: ca.issuer.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(notAfter),
    publicKey: opts.publicKey,
    signingKey: ca.issuerKey,
    signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: opts.identity }], false),
      await x509.AuthorityKeyIdentifierExtension.create(ca.issuer.publicKey),
    ],
  });
}
