/**
 * The controller's authentication part, built once at start-up from the state directory:
 * the admin API token, users, sessions and one-time login links, and the
 * `Authenticator` that turns each request's credential into a caller. `auth.*` in the API
 * is a thin layer over it.
 */
import { ErrorCode, MeshError, type Role, type SessionGrant } from '@weft/shared';
import type { TokenValidator } from '../identity/token.ts';
import { type AdminToken, loadOrCreateAdminToken } from './admin-token.ts';
import { Authenticator } from './authenticator.ts';
import { LoginLinks } from './login-links.ts';
import { SessionStore } from './sessions.ts';
import { UserStore } from './users.ts';

/** Password checks running at once; more are refused, so logins cannot eat the CPU. */
const MAX_LOGINS_IN_FLIGHT = 4;

export interface AuthServiceOptions {
  stateDir: string;
  /** False with `WEFT_AUTH=off`. */
  enabled: boolean;
  workloads: TokenValidator;
  onWarning?: (message: string) => void;
}

export class AuthService {
  readonly adminToken: AdminToken;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly links = new LoginLinks();
  readonly authenticator: Authenticator;
  #loginsInFlight = 0;

  constructor(opts: AuthServiceOptions) {
    this.adminToken = loadOrCreateAdminToken(opts.stateDir);
    this.users = new UserStore(opts.stateDir);
    this.sessions = new SessionStore(opts.stateDir, opts.onWarning ? { onWarning: opts.onWarning } : {});
    this.authenticator = new Authenticator({
      enabled: opts.enabled,
      adminToken: this.adminToken.token,
      sessions: this.sessions,
      workloads: opts.workloads,
    });
  }

  /** A session for a user whose password matches; `WEFT_UNAUTHENTICATED` otherwise. */
  async login(user: string, password: string): Promise<SessionGrant> {
    if (this.#loginsInFlight >= MAX_LOGINS_IN_FLIGHT)
      throw new MeshError(ErrorCode.unavailable, 'too many logins at once; try again in a moment');
    this.#loginsInFlight += 1;
    try {
      const who = await this.users.verify(user, password);
      if (!who) throw new MeshError(ErrorCode.unauthenticated, 'unknown user or wrong password');
      return this.#grant(who.name, who.role);
    } finally {
      this.#loginsInFlight -= 1;
    }
  }

  /** A session for a one-time login code; `WEFT_UNAUTHENTICATED` when it is unknown, used or expired. */
  redeem(code: string): SessionGrant {
    const role = this.links.redeem(code);
    if (!role)
      throw new MeshError(
        ErrorCode.unauthenticated,
        'this login link is unknown, used or expired; ask for a new one (restart `npm start`, or call auth.createLoginLink)',
      );
    return this.#grant(role === 'admin' ? 'admin (login link)' : 'viewer (login link)', role);
  }

  #grant(user: string, role: Role): SessionGrant {
    const { secret, session } = this.sessions.create(user, role);
    return { session: secret, user, role, expiresAt: new Date(session.expiresAt).toISOString() };
  }
}
