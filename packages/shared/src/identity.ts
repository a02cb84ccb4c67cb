/**
 * Identity and mTLS on the wire: what a proxy sends to `identity.certify` and gets back,
 * what `identity.status` and `identity.certificates` answer for the dashboard, and the
 * names of the metrics that count certificates and rejected TLS peers.
 */
import { z } from 'zod';
import { lazy } from './lazy.ts';
import { NamespaceName, ObjectName } from './names.ts';

/** A PEM block (or several), checked only for its armour; the receiver parses it. */
const Pem = (label: string) =>
  z
    .string()
    .max(64_000, 'must be at most 64000 characters')
    .refine((s) => s.includes(`-----BEGIN ${label}-----`), `must be a PEM "${label}" block`);

/** A proxy asks for a certificate: its CSR and the token proving which workload it runs for. */
export const CertifyRequest = lazy(() =>
  z.object({
    /** PKCS#10 certificate signing request, PEM; its SAN names the identity asked for. */
    csr: Pem('CERTIFICATE REQUEST'),
    /** The workload token the platform gave the proxy (`WEFT_PROXY_IDENTITY_TOKEN`). */
    token: z.string().min(1, 'must not be empty').max(8192, 'must be at most 8192 characters'),
  }),
);
export type CertifyRequest = z.infer<typeof CertifyRequest>;

/** The signed certificate and what a TLS peer needs to verify it. */
export const CertifyResponse = z.object({
  /** The identity in the certificate's SAN. */
  identity: z.string(),
  /** The leaf certificate, PEM. */
  certificate: Pem('CERTIFICATE'),
  /** Intermediate certificates (the issuer), PEM, leaf-side first; sent in every handshake. */
  intermediates: z.array(Pem('CERTIFICATE')),
  /** The trust anchors' PEM bundle, for a proxy that was given none out of band. */
  trustAnchors: Pem('CERTIFICATE'),
  /** ISO 8601 validity bounds of the leaf. */
  notBefore: z.string(),
  notAfter: z.string(),
});
export type CertifyResponse = z.infer<typeof CertifyResponse>;

/** Certificates of the CA shown on the overview warn when they expire in less than this. */
export const CA_EXPIRY_WARNING_SECONDS = 60 * 24 * 3600;

/** One CA certificate as the dashboard shows it. */
export const CertificateSummary = lazy(() =>
  z.object({
    subject: z.string(),
    issuer: z.string(),
    serialNumber: z.string(),
    notBefore: z.string(),
    notAfter: z.string(),
    /** Seconds until `notAfter` at the time of the answer (negative once expired). */
    expiresInSeconds: z.number(),
    /** True when it expires within {@link CA_EXPIRY_WARNING_SECONDS} (or has expired). */
    expiringSoon: z.boolean(),
  }),
);
export type CertificateSummary = z.infer<typeof CertificateSummary>;

/** `identity.status`: the CA's state. */
export const IdentityStatus = lazy(() =>
  z.object({
    trustDomain: z.string(),
    /** Where the CA came from: generated into the state directory, or files the user gave. */
    source: z.enum(['generated', 'supplied']),
    trustAnchor: CertificateSummary,
    issuer: CertificateSummary,
    /** Lifetime of the workload certificates it signs, in seconds. */
    certLifetimeSeconds: z.number().int().positive(),
    /** Certificates signed since the controller started. */
    issuedTotal: z.number().int().nonnegative(),
    /** Requests refused since the controller started, by reason. */
    rejectedTotal: z.record(z.string(), z.number().int().nonnegative()),
    /** Human-readable warnings (such as a CA certificate expiring within 60 days). */
    warnings: z.array(z.string()),
  }),
);
export type IdentityStatus = z.infer<typeof IdentityStatus>;

/** The last certificate signed for one proxy (one pod), as the workload page shows it. */
export const IssuedCertificate = lazy(() =>
  z.object({
    identity: z.string(),
    namespace: NamespaceName,
    serviceAccount: z.string(),
    workload: z.string().nullable(),
    pod: z.string().nullable(),
    serialNumber: z.string(),
    notBefore: z.string(),
    notAfter: z.string(),
    issuedAt: z.string(),
    /** Serial number of the issuer that signed it (absent in records older than rotation). */
    issuerSerial: z.string().optional(),
    /** Digest of the trust anchors handed out with it (what the proxy trusts since). */
    anchorsDigest: z.string().optional(),
  }),
);
export type IssuedCertificate = z.infer<typeof IssuedCertificate>;

/** `identity.certificates` input: the latest certificate per pod, filtered. */
export const IssuedCertificatesQuery = lazy(() =>
  z.object({
    namespace: NamespaceName.optional(),
    workload: ObjectName.optional(),
  }),
);
export type IssuedCertificatesQuery = z.infer<typeof IssuedCertificatesQuery>;

/** Metric names for identity, beside the ones in `metrics.ts`. */
export const IdentityMetricName = {
  /** Proxy, gauge: when its current certificate expires (unix seconds). */
  certExpiration: 'identity_cert_expiration_timestamp_seconds',
  /** Proxy, counter by `result` (`ok`, `failure`): certificate requests to the controller. */
  certRefreshTotal: 'identity_cert_refresh_total',
  /** Proxy, counter by `direction` and `reason`: TLS peers refused. */
  tlsRejectedTotal: 'tls_rejected_total',
  /** Controller, counter by `result`: `identity.certify` answers (`ok` or a rejection reason). */
  certifyTotal: 'identity_certify_total',
} as const;

/** Why a TLS peer was refused: the `reason` label of `tls_rejected_total`. */
export const TlsRejectReason = {
  untrustedCa: 'untrusted_ca',
  expired: 'expired',
  notYetValid: 'not_yet_valid',
  identityMismatch: 'identity_mismatch',
  noCertificate: 'no_certificate',
  handshake: 'handshake',
} as const;
export type TlsRejectReason = (typeof TlsRejectReason)[keyof typeof TlsRejectReason];

/** Why `identity.certify` refused: the `result` label of `identity_certify_total`. */
export const CertifyRejectReason = {
  invalidCsr: 'invalid_csr',
  invalidToken: 'invalid_token',
  identityMismatch: 'identity_mismatch',
} as const;
export type CertifyRejectReason = (typeof CertifyRejectReason)[keyof typeof CertifyRejectReason];

/** ALPN protocol names spoken between meshed proxies, inside mTLS. */
export const MeshAlpn = {
  http1: 'http/1.1',
  h2: 'h2',
  /** Opaque TCP: bytes relayed as they are to the destination port. */
  opaque: 'weft.dev/opaque',
} as const;
export type MeshAlpn = (typeof MeshAlpn)[keyof typeof MeshAlpn];

/** `identity.renewToken`: a fresh workload token for the calling proxy, and when it expires. */
export const WorkloadTokenGrant = z.object({
  token: z.string().min(1),
  expiresAt: z.string(),
});
export type WorkloadTokenGrant = z.infer<typeof WorkloadTokenGrant>;

/**
 * Response header of a proxy's `/ready`: the identity its inbound side serves mTLS as,
 * present only while it holds a certificate. The platform announces a pod's endpoints as
 * meshed (with that identity) only when its proxy says so: before, callers get plaintext.
 */
export const PROXY_TLS_IDENTITY_HEADER = 'weft-tls-identity';
