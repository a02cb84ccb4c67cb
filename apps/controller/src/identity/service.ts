/**
 * The identity service behind `identity.certify`, `identity.status` and
 * `identity.certificates`: checks a proxy's token and CSR, signs its certificate, keeps
 * the last certificate per pod for the dashboard, and counts every answer
 * (`identity_certify_total{result}`) with a log line for each refusal. A retried CSR
 * (same pod, same key, moments later) gets the certificate already issued (`result="reused"`).
 */
import {
  CA_EXPIRY_WARNING_SECONDS,
  type CertificateSummary,
  type CertifyRejectReason,
  CertifyRequest,
  type CertifyResponse,
  ErrorCode,
  IdentityMetricName,
  type IdentityStatus,
  type IssuedCertificate,
  type IssuedCertificatesQuery,
  MeshError,
  meshIdentity,
  CertifyRejectReason as Reject,
} from '@weft/shared';
import { Counter, type Registry } from 'prom-client';
import { Authority } from './authority.ts';
import { signWorkloadCertificate } from './ca.ts';
import { checkCsr } from './csr.ts';
import type { IssuedRecords } from './issued-file.ts';
import { RecentIssues } from './recent-issues.ts';
import type { LoadedCa } from './store.ts';
import type { TokenValidator } from './token.ts';
import type { x509 } from './x509.ts';

/** One log line: the service logs refusals as `warn` and issuances as `info`. */
export type IdentityLogger = (level: 'info' | 'warn', message: string) => void;

export interface IdentityServiceOptions {
  ca: LoadedCa;
  validator: TokenValidator;
  trustDomain: string;
  /** Lifetime of workload certificates, milliseconds. */
  certLifetimeMs: number;
  log?: IdentityLogger;
  /** Where `identity_certify_total` is registered; none keeps it private. */
  registry?: Registry;
  /** Keeps the per-pod records across restarts. */
  records?: IssuedRecords;
}

/** Certificate requests of one pod refused since its last certificate (its failed renewals). */
export interface RenewalRefusals {
  count: number;
  /** ISO time of the last refusal. */
  lastAt: string;
  reason: CertifyRejectReason;
  message: string;
}

/** At most this many per-pod records are kept (the oldest go first). */
const MAX_RECORDS = 10_000;

const defaultLog: IdentityLogger = (level, message) => {
  (level === 'warn' ? console.warn : console.info)(`identity: ${message}`);
};

export class IdentityService {
  readonly #opts: IdentityServiceOptions;
  readonly #log: IdentityLogger;
  readonly #counter: Counter<'result'>;
  readonly #counts = new Map<string, number>();
  readonly #records = new Map<string, IssuedCertificate>();
  readonly #recent = new RecentIssues();
  /** Refusals by pod (`namespace/pod`) since its last certificate; cleared when it gets one. */
  readonly #refusals = new Map<string, RenewalRefusals>();
  /** The issuer that signs and the anchors handed out now (a rotation changes them). */
  readonly authority: Authority;

  constructor(opts: IdentityServiceOptions) {
    this.#opts = opts;
    this.authority = new Authority(opts.ca.ca);
    this.#log = opts.log ?? defaultLog;
    this.#counter = new Counter({
      name: IdentityMetricName.certifyTotal,
      help: 'identity.certify answers, by result (ok or the reason of the refusal)',
      labelNames: ['result'],
      registers: opts.registry ? [opts.registry] : [],
    });
    for (const r of opts.records?.load() ?? []) this.#records.set(recordKey(r), r);
  }

  /** The trust anchors' PEM bundle. */
  get trustAnchorsPem(): string {
    return this.authority.anchorsPem;
  }

  /** Checks the token and the CSR and signs a certificate for the token's workload. */
  async certify(input: unknown): Promise<CertifyResponse> {
    const parsed = CertifyRequest.safeParse(input);
    if (!parsed.success) {
      const what = parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
      throw this.#refuse(
        Reject.invalidCsr,
        new MeshError(ErrorCode.invalidInput, `certify: ${what}`),
        'unknown',
      );
    }
    const req = parsed.data;
    let who: Awaited<ReturnType<TokenValidator['validate']>>;
    try {
      who = await this.#opts.validator.validate(req.token);
    } catch (err) {
      throw this.#refuse(
        Reject.invalidToken,
        asMeshError(err, ErrorCode.unauthenticated),
        'unknown workload',
      );
    }
    const expected = meshIdentity(who.serviceAccount, who.namespace, this.#opts.trustDomain);
    const subject = `${who.namespace}/${who.pod ?? who.workload ?? who.serviceAccount}`;
    let csr: Awaited<ReturnType<typeof checkCsr>>;
    try {
      csr = await checkCsr(req.csr);
    } catch (err) {
      throw this.#refuse(Reject.invalidCsr, asMeshError(err, ErrorCode.invalidInput), subject);
    }
    if (csr.identity !== expected) {
      const err = new MeshError(
        ErrorCode.forbidden,
        `certify: CSR asks for identity "${csr.identity}" but the token proves "${expected}"`,
      );
      throw this.#refuse(Reject.identityMismatch, err, subject);
    }
    const signer = this.authority.signer;
    const anchorsPem = this.authority.anchorsPem;
    const anchorsDigest = this.authority.anchorsDigest;
    // A retry is answered again only while the CA hands out the same chain (a rotation step
    // makes proxies renew with the same key, and they must get the new chain).
    const publicKey = `${Buffer.from(csr.publicKey.rawData).toString('base64')}|${signer.issuer.serialNumber}|${anchorsDigest}`;
    const again = this.#recent.find(subject, publicKey, Date.now());
    if (again) {
      // A retry of a request already answered (the proxy gave up waiting): same key, same pod.
      this.#counter.inc({ result: 'reused' });
      this.#log('info', `re-sent the certificate just issued to ${subject} (a retried request)`);
      return again;
    }
    const now = new Date();
    const cert = await signWorkloadCertificate(signer, {
      publicKey: csr.publicKey,
      identity: expected,
      lifetimeMs: this.#opts.certLifetimeMs,
      now,
    });
    this.#count('ok');
    this.#remember({
      identity: expected,
      namespace: who.namespace,
      serviceAccount: who.serviceAccount,
      workload: who.workload ?? null,
      pod: who.pod ?? null,
      serialNumber: cert.serialNumber,
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      issuedAt: now.toISOString(),
      issuerSerial: signer.issuer.serialNumber,
      anchorsDigest,
    });
    this.#log(
      'info',
      `issued ${expected} to ${subject}, serial ${cert.serialNumber}, until ${cert.notAfter.toISOString()}`,
    );
    const response: CertifyResponse = {
      identity: expected,
      certificate: cert.toString('pem'),
      intermediates: [signer.issuer.toString('pem')],
      trustAnchors: anchorsPem,
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
    };
    this.#recent.remember(subject, publicKey, response, now.getTime());
    this.#refusals.delete(subject);
    return response;
  }

  /** The CA's state, with warnings for CA certificates expiring within 60 days. */
  status(now = new Date()): IdentityStatus {
    const ca = this.authority.signer;
    const source = this.#opts.ca.source;
    const trustAnchor = summarizeCertificate(ca.trustAnchor, now);
    const issuer = summarizeCertificate(ca.issuer, now);
    const warnings: string[] = [];
    for (const [name, s] of [
      ['trust anchor', trustAnchor],
      ['issuer', issuer],
    ] as const) {
      if (s.expiringSoon)
        warnings.push(
          s.expiresInSeconds <= 0
            ? `The ${name} (${s.subject}) expired on ${s.notAfter}.`
            : `The ${name} (${s.subject}) expires in ${Math.floor(s.expiresInSeconds / 86400)} days, on ${s.notAfter}.`,
        );
    }
    const rejectedTotal: Record<string, number> = {};
    let issuedTotal = 0;
    for (const [result, n] of this.#counts) {
      if (result === 'ok') issuedTotal = n;
      else rejectedTotal[result] = n;
    }
    return {
      trustDomain: this.#opts.trustDomain,
      source,
      trustAnchor,
      issuer,
      certLifetimeSeconds: Math.max(1, Math.round(this.#opts.certLifetimeMs / 1000)),
      issuedTotal,
      rejectedTotal,
      warnings,
    };
  }

  /** The latest certificate of each pod, filtered by namespace and workload. */
  certificates(q: IssuedCertificatesQuery = {}): IssuedCertificate[] {
    const out: IssuedCertificate[] = [];
    for (const r of this.#records.values()) {
      if (q.namespace && r.namespace !== q.namespace) continue;
      if (q.workload && r.workload !== q.workload) continue;
      out.push(r);
    }
    return out.sort((a, b) => (a.namespace + a.pod).localeCompare(b.namespace + b.pod));
  }

  /**
   * What a proxy says it holds (on `identity.watch`): its pod's record takes the issuer and
   * anchors, so rotation progress survives records lost in a controller crash.
   */
  noteHeld(namespace: string, pod: string, held: { issuerSerial: string; anchorsDigest: string }): void {
    const key = `${namespace}/${pod}`;
    const r = this.#records.get(key);
    if (!r || (r.issuerSerial === held.issuerSerial && r.anchorsDigest === held.anchorsDigest)) return;
    this.#records.set(key, { ...r, issuerSerial: held.issuerSerial, anchorsDigest: held.anchorsDigest });
    this.#opts.records?.save([...this.#records.values()]);
  }

  /** Refused requests of each pod since its last certificate, by `namespace/pod`. */
  renewalRefusals(): ReadonlyMap<string, RenewalRefusals> {
    return this.#refusals;
  }

  #refuse(reason: CertifyRejectReason, err: MeshError, subject: string): MeshError {
    this.#count(reason);
    if (subject.includes('/')) {
      const before = this.#refusals.get(subject);
      this.#refusals.delete(subject);
      this.#refusals.set(subject, {
        count: (before?.count ?? 0) + 1,
        lastAt: new Date().toISOString(),
        reason,
        message: err.message,
      });
      if (this.#refusals.size > MAX_RECORDS) {
        const oldest = this.#refusals.keys().next().value;
        if (oldest !== undefined) this.#refusals.delete(oldest);
      }
    }
    this.#log('warn', `refused certificate for ${subject} (${reason}): ${err.message}`);
    return err;
  }

  #count(result: string): void {
    this.#counter.inc({ result });
    this.#counts.set(result, (this.#counts.get(result) ?? 0) + 1);
  }

  #remember(r: IssuedCertificate): void {
    const key = recordKey(r);
    this.#records.delete(key);
    this.#records.set(key, r);
    if (this.#records.size > MAX_RECORDS) {
      const oldest = this.#records.keys().next().value;
      if (oldest !== undefined) this.#records.delete(oldest);
    }
    this.#opts.records?.save([...this.#records.values()]);
  }
}

function recordKey(r: IssuedCertificate): string {
  return `${r.namespace}/${r.pod ?? r.identity}`;
}

function asMeshError(err: unknown, code: ErrorCode): MeshError {
  if (err instanceof MeshError) return err;
  return new MeshError(code, err instanceof Error ? err.message : String(err), { cause: err });
}

/** A CA certificate as the dashboard shows it. */
export function summarizeCertificate(cert: x509.X509Certificate, now: Date): CertificateSummary {
  const expiresInSeconds = Math.round((cert.notAfter.getTime() - now.getTime()) / 1000);
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    expiresInSeconds,
    expiringSoon: expiresInSeconds < CA_EXPIRY_WARNING_SECONDS,
  };
}
