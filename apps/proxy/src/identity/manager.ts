/**
 * The proxy's identity: its key pair (made at start, never leaving the process), its
 * certificate from the controller (obtained before the proxy reports ready), renewed at
 * about 70% of its lifetime with jitter. A failed renewal is retried with backoff while
 * the proxy keeps serving on the old certificate until it expires. Listeners learn of
 * each new certificate (the TLS layer rebuilds its context from it). `renewSoon()` renews
 * ahead of time, as `identity.watch` asks during a CA rotation; the trust anchors are read
 * again from the identity directory at each renewal, so a rotation's bundle takes effect.
 */
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContext } from 'node:tls';
import { requestCertificate } from './certify-client.ts';
import { IdentityMetrics } from './metrics.ts';
import { createCsr, generateProxyKey, type ProxyKey, readCertificate } from './x509.ts';

/** One log line; `warn` for failures the proxy survives, `error` when identity is lost. */
export type IdentityLog = (level: 'info' | 'warn' | 'error', message: string) => void;

/** What the TLS layer needs to speak as this proxy. */
export interface Credentials {
  identity: string;
  /** Leaf then intermediates, PEM. */
  chainPem: string;
  keyPem: string;
  trustAnchorsPem: string;
  notBefore: Date;
  notAfter: Date;
  /** Serial number of the leaf, hex. */
  serial: string;
  /** Serial number of the issuer that signed the leaf, hex. */
  issuerSerial: string;
  /** A TLS 1.3 context with this key, chain and trust anchors (for both directions). */
  context: SecureContext;
}

export interface IdentityManagerOptions {
  controllerUrl: string;
  /** The workload token, as it is now (it is renewed while the proxy runs). */
  token: string | (() => string);
  /** The identity to ask for: `meshIdentity(serviceAccount, namespace, trustDomain)`. */
  identity: string;
  /** Trust anchors given out of band (the identity directory); else the controller's are used. */
  trustAnchorsPem?: string;
  /** Read at every renewal (a rotation changes it); wins over `trustAnchorsPem` while it exists. */
  trustAnchorsFile?: string;
  metrics?: IdentityMetrics;
  log?: IdentityLog;
  /** Fraction of the lifetime after which to renew (default 0.7). */
  renewFraction?: number;
  /** Renewal is moved earlier by up to this fraction of the lifetime, at random (default 0.1). */
  jitterFraction?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  requestTimeoutMs?: number;
}

/** Node timers overflow past 2^31-1 ms (about 24.8 days): longer waits are cut to that. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const defaultLog: IdentityLog = (level, message) => {
  const line = `identity: ${message}`;
  if (level === 'info') console.info(line);
  else if (level === 'warn') console.warn(line);
  else console.error(line);
};

export class IdentityManager {
  readonly metrics: IdentityMetrics;
  readonly #opts: IdentityManagerOptions;
  readonly #log: IdentityLog;
  readonly #listeners = new Set<(c: Credentials) => void>();
  #key: ProxyKey | undefined;
  #csr: string | undefined;
  #current: Credentials | undefined;
  #timer: NodeJS.Timeout | undefined;
  #expiryTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #failures = 0;
  #wake: (() => void) | undefined;
  #inFlight = false;
  #again = false;
  #soon: NodeJS.Timeout | undefined;

  constructor(opts: IdentityManagerOptions) {
    this.#opts = opts;
    this.#log = opts.log ?? defaultLog;
    this.metrics = opts.metrics ?? new IdentityMetrics();
  }

  /** The identity this proxy asks for. */
  get identity(): string {
    return this.#opts.identity;
  }

  /** The current credentials, while they are valid. */
  get current(): Credentials | undefined {
    const c = this.#current;
    return c && c.notAfter.getTime() > Date.now() ? c : undefined;
  }

  /** Whether the proxy holds a valid certificate (what `/ready` waits for). */
  get ready(): boolean {
    return this.current !== undefined;
  }

  /** Calls `fn` with each new certificate; returns an unsubscribe function. */
  onUpdate(fn: (c: Credentials) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /**
   * Makes the key and the CSR, and resolves once the first certificate is held. Retries
   * with backoff until it succeeds or `stop()` is called (then it rejects).
   */
  async start(): Promise<Credentials> {
    this.#key = await generateProxyKey();
    this.#csr = await createCsr(this.#key, this.#opts.identity);
    for (;;) {
      if (this.#stopped) throw new Error('identity: stopped before a certificate was obtained');
      if (await this.#refresh()) return this.#current as Credentials;
      await new Promise<void>((r) => {
        this.#wake = r;
        this.#timer = setTimeout(r, this.#backoffMs());
      });
    }
  }

  /**
   * Renews within `withinMs` (at a random moment, so that proxies told at once do not all
   * ask at once), unless no certificate is held yet (the first request is under way).
   */
  renewSoon(withinMs = 500): void {
    if (this.#stopped || !this.#current || this.#soon) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      void this.#refresh();
    }, Math.random() * withinMs);
    this.#soon.unref();
  }

  /** Stops renewing. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#soon);
    this.#wake?.();
    clearTimeout(this.#expiryTimer);
  }

  /** One certificate request (one at a time); true when a new certificate is held. Never throws. */
  async #refresh(): Promise<boolean> {
    if (this.#inFlight) {
      // Asked again while a request runs (a timer and `renewSoon`): run once more after it.
      this.#again = true;
      return false;
    }
    this.#inFlight = true;
    try {
      return await this.#request();
    } finally {
      this.#inFlight = false;
      if (this.#again && !this.#stopped) {
        this.#again = false;
        void this.#refresh();
      }
    }
  }

  async #request(): Promise<boolean> {
    const started = Date.now();
    try {
      const res = await requestCertificate(
        this.#opts.controllerUrl,
        {
          csr: this.#csr as string,
          token: typeof this.#opts.token === 'string' ? this.#opts.token : this.#opts.token(),
        },
        this.#opts.requestTimeoutMs ?? 5_000,
      );
      const leaf = readCertificate(res.certificate);
      const anchors = (await this.#anchorsFromFile()) ?? this.#opts.trustAnchorsPem ?? res.trustAnchors;
      const issuer = res.intermediates[0] ? readCertificate(res.intermediates[0]) : undefined;
      const chainPem = [res.certificate, ...res.intermediates].map((p) => p.trim()).join('\n');
      const keyPem = (this.#key as ProxyKey).privateKeyPem;
      const creds: Credentials = {
        identity: res.identity,
        chainPem,
        keyPem,
        trustAnchorsPem: anchors,
        notBefore: leaf.notBefore,
        notAfter: leaf.notAfter,
        serial: leaf.serialNumber,
        issuerSerial: issuer?.serialNumber ?? '',
        context: createSecureContext({ key: keyPem, cert: chainPem, ca: anchors, minVersion: 'TLSv1.3' }),
      };
      if (res.identity !== this.#opts.identity)
        throw new Error(
          `controller signed "${res.identity}", not the identity asked for "${this.#opts.identity}"`,
        );
      this.#current = creds;
      this.#failures = 0;
      this.metrics.refreshOk++;
      this.metrics.expiration = Math.floor(creds.notAfter.getTime() / 1000);
      this.#log(
        'info',
        `certified as ${creds.identity} until ${creds.notAfter.toISOString()} (serial ${creds.serial})`,
      );
      for (const fn of this.#listeners) fn(creds);
      this.#scheduleRenewal(started, creds);
      return true;
    } catch (err) {
      this.#failures++;
      this.metrics.refreshFailure++;
      const held = this.current;
      this.#log(
        held ? 'warn' : 'error',
        `certificate request failed (${this.#failures} in a row): ${(err as Error).message}` +
          (held ? `; still serving on the certificate valid until ${held.notAfter.toISOString()}` : ''),
      );
      if (held) this.#scheduleRetry(held);
      return false;
    }
  }

  async #anchorsFromFile(): Promise<string | undefined> {
    const file = this.#opts.trustAnchorsFile;
    if (!file) return undefined;
    try {
      const pem = await readFile(file, 'utf8');
      return pem.includes('-----BEGIN CERTIFICATE-----') ? pem : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  #scheduleRenewal(startedAt: number, c: Credentials): void {
    const lifetime = c.notAfter.getTime() - startedAt;
    const frac = (this.#opts.renewFraction ?? 0.7) - Math.random() * (this.#opts.jitterFraction ?? 0.1);
    this.#arm(Math.max(500, lifetime * frac));
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = setTimeout(
      () => {
        if (this.#current === c)
          this.#log(
            'error',
            `certificate expired at ${c.notAfter.toISOString()}; mTLS is unavailable until renewed`,
          );
      },
      Math.min(MAX_TIMER_MS, c.notAfter.getTime() - Date.now()),
    );
    this.#expiryTimer.unref();
  }

  #scheduleRetry(held: Credentials): void {
    const untilExpiry = held.notAfter.getTime() - Date.now();
    this.#arm(Math.max(100, Math.min(this.#backoffMs(), untilExpiry / 2)));
  }

  #arm(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#refresh(), Math.min(MAX_TIMER_MS, ms));
    this.#timer.unref();
  }

  #backoffMs(): number {
    const min = this.#opts.retryMinMs ?? 500;
    const max = this.#opts.retryMaxMs ?? 10_000;
    const exp = Math.min(max, min * 2 ** Math.min(this.#failures, 16));
    return exp / 2 + Math.random() * (exp / 2);
  }
}
