/**
 * Makes certificate issuing idempotent for a retried CSR: a proxy whose request timed out
 * asks again with the same key, and gets the certificate it was already given instead of
 * a new one. Only a recent certificate is handed out again (within the first tenth of its
 * lifetime), so a renewal, which comes later with the same key, still gets a fresh one.
 */
import type { CertifyResponse } from '@weft/shared';

/** A certificate is handed out again only while less than this share of its lifetime has passed. */
const REUSE_FRACTION = 0.1;
/** At most this many subjects are remembered (the oldest go first). */
const MAX_ENTRIES = 10_000;

interface Issued {
  publicKey: string;
  response: CertifyResponse;
  issuedAtMs: number;
  notAfterMs: number;
}

/** The last certificate issued to each subject (a pod, or an identity without a pod). */
export class RecentIssues {
  readonly #bySubject = new Map<string, Issued>();

  /** The certificate already issued to this subject for this key, if it is recent enough. */
  find(subject: string, publicKey: string, nowMs: number): CertifyResponse | undefined {
    const last = this.#bySubject.get(subject);
    if (!last || last.publicKey !== publicKey) return undefined;
    const lifetimeMs = last.notAfterMs - last.issuedAtMs;
    if (nowMs - last.issuedAtMs >= lifetimeMs * REUSE_FRACTION || nowMs >= last.notAfterMs) return undefined;
    return last.response;
  }

  /** Remembers what was issued to this subject for this key. */
  remember(subject: string, publicKey: string, response: CertifyResponse, issuedAtMs: number): void {
    this.#bySubject.delete(subject);
    this.#bySubject.set(subject, {
      publicKey,
      response,
      issuedAtMs,
      notAfterMs: Date.parse(response.notAfter),
    });
    if (this.#bySubject.size > MAX_ENTRIES) {
      const oldest = this.#bySubject.keys().next().value;
      if (oldest !== undefined) this.#bySubject.delete(oldest);
    }
  }
}
