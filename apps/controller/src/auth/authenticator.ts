/**
 * Turns a request's `Authorization: Bearer <secret>` into a `Caller`, once per request.
 * The secret's prefix says what it is: `wa_` the admin API token, `ws_` a dashboard
 * session, `weft1.` a proxy's workload token. With auth off every caller is admin.
 */
import type { TokenValidator } from '../identity/token.ts';
import type { Caller } from './caller.ts';
import { API_TOKEN_PREFIX, SESSION_PREFIX, sameSecret } from './secrets.ts';
import type { AuthStorage } from './storage.ts';

const AUTH_OFF: Caller = { kind: 'auth-off', role: 'admin' };
const ANONYMOUS: Caller = { kind: 'anonymous' };
const ADMIN_TOKEN: Caller = { kind: 'api-token', role: 'admin' };
const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

export interface AuthenticatorOptions {
  /** False with `WEFT_AUTH=off`: every caller is admin. */
  enabled: boolean;
  adminToken: string;
  sessions: Pick<AuthStorage, 'session'>;
  /** Checks workload tokens (signature, expiry, and that the pod still exists). */
  workloads: TokenValidator;
}

export class Authenticator {
  readonly #opts: AuthenticatorOptions;

  constructor(opts: AuthenticatorOptions) {
    this.#opts = opts;
  }

  get enabled(): boolean {
    return this.#opts.enabled;
  }

  /** The caller behind an `Authorization` header value (or its absence). */
  async authenticate(authorization: string | undefined): Promise<Caller> {
    if (!this.#opts.enabled) return AUTH_OFF;
    if (authorization === undefined || authorization === '') return ANONYMOUS;
    const m = BEARER.exec(authorization);
    if (!m) return { kind: 'anonymous', refused: 'the Authorization header must be "Bearer <token>"' };
    const secret = m[1] as string;
    if (secret.startsWith(API_TOKEN_PREFIX)) {
      return sameSecret(secret, this.#opts.adminToken)
        ? ADMIN_TOKEN
        : { kind: 'anonymous', refused: 'the API token is not this controller’s admin token' };
    }
    if (secret.startsWith(SESSION_PREFIX)) {
      const s = await this.#opts.sessions.session(secret);
      return s
        ? { kind: 'user', name: s.user, role: s.role }
        : { kind: 'anonymous', refused: 'the session has expired or ended; log in again' };
    }
    try {
      const workload = await this.#opts.workloads.validate(secret);
      return { kind: 'workload', workload, token: secret };
    } catch (err) {
      return { kind: 'anonymous', refused: err instanceof Error ? err.message : String(err) };
    }
  }
}
