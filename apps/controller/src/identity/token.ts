/**
 * Workload tokens: proof of which workload a proxy runs for. `TokenValidator` is the port
 * (Linkerd's `Validator`), so that Kubernetes' TokenReview can stand behind it later;
 * `HmacTokens` is the local platform's implementation: the controller signs a small claim
 * set naming namespace and service account with a secret only it knows, and hands the
 * token to each meshed pod's proxy in `WEFT_PROXY_IDENTITY_TOKEN`. Tokens expire (`exp`,
 * 24 h by default); a proxy trades its token for a fresh one before then
 * (`identity.renewToken`).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode, MeshError } from '@weft/shared';

/** Who a token speaks for. */
export interface TokenIdentity {
  namespace: string;
  serviceAccount: string;
  /** The workload and pod, when the platform knows them (for the dashboard's records). */
  workload?: string;
  pod?: string;
}

/** Checks a token and says which workload it proves; throws `WEFT_UNAUTHENTICATED` when it proves nothing. */
export interface TokenValidator {
  validate(token: string): Promise<TokenIdentity>;
}

/** Mints tokens for proxies the platform starts. */
export interface TokenIssuer {
  issue(who: TokenIdentity): string;
}

/** Default lifetime of a workload token. */
export const DEFAULT_TOKEN_TTL_MS = 24 * 3600 * 1000;

const PREFIX = 'weft1';
const unauthenticated = (msg: string) => new MeshError(ErrorCode.unauthenticated, `token: ${msg}`);

/** HMAC-SHA256 tokens: `weft1.<base64url claims>.<base64url mac>`. */
export class HmacTokens implements TokenValidator, TokenIssuer {
  readonly #secret: Buffer;
  readonly #ttlMs: number;

  /** `secret` must hold at least 32 bytes. */
  constructor(secret: Buffer, opts: { ttlMs?: number } = {}) {
    if (secret.length < 32)
      throw new MeshError(ErrorCode.invalidInput, 'token secret must be at least 32 bytes');
    this.#secret = secret;
    this.#ttlMs = opts.ttlMs ?? DEFAULT_TOKEN_TTL_MS;
  }

  /** How long a token issued now stays valid, ms. */
  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** A fresh random secret of the right size. */
  static newSecret(): Buffer {
    return randomBytes(32);
  }

  issue(who: TokenIdentity, now = Date.now()): string {
    const claims = {
      ns: who.namespace,
      sa: who.serviceAccount,
      wl: who.workload,
      pod: who.pod,
      iat: now,
      exp: now + this.#ttlMs,
    };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${PREFIX}.${body}.${this.#mac(body)}`;
  }

  /** When a token (already validated) stops working, ms since epoch. */
  expiryOf(token: string): number {
    const body = token.split('.')[1] ?? '';
    const exp = (JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : 0;
  }

  async validate(token: string, now = Date.now()): Promise<TokenIdentity> {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX) throw unauthenticated('is not a Weft workload token');
    const body = parts[1] as string;
    const mac = Buffer.from(parts[2] as string, 'base64url');
    const want = Buffer.from(this.#mac(body), 'base64url');
    if (mac.length !== want.length || !timingSafeEqual(mac, want))
      throw unauthenticated('signature is invalid (forged or signed by another controller)');
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw unauthenticated('claims are not JSON');
    }
    const { ns, sa, wl, pod, exp } = claims;
    if (typeof ns !== 'string' || typeof sa !== 'string' || !ns || !sa)
      throw unauthenticated('does not name a namespace and service account');
    if (typeof exp !== 'number') throw unauthenticated('has no expiry (issued by an older controller)');
    if (exp <= now) throw unauthenticated(`expired at ${new Date(exp).toISOString()}`);
    return {
      namespace: ns,
      serviceAccount: sa,
      ...(typeof wl === 'string' ? { workload: wl } : {}),
      ...(typeof pod === 'string' ? { pod } : {}),
    };
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#secret).update(`${PREFIX}.${body}`).digest('base64url');
  }
}
