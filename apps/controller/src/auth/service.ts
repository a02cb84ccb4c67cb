/**
 * The controller's authentication part, built once at start-up over its storage (the
 * state directory, or on Kubernetes the Secret shared by the replicas): the admin API
 * token, users, sessions and one-time login links, and the `Authenticator` that turns
 * each request's credential into a caller. `auth.*` in the API is a thin layer over it.
 */
import { ErrorCode, MeshError, type Role, type SessionGrant } from '@weft/shared';
import type { TokenValidator } from '../identity/token.ts';
import type { AdminToken } from './admin-token.ts';
import { Authenticator } from './authenticator.ts';
import { type AuthStorage, LocalAuthStorage } from './storage.ts';

/** Password checks running at once; more are refused, so logins cannot eat the CPU. */
const MAX_LOGINS_IN_FLIGHT = 4;

export interface AuthServiceOptions {
  stateDir: string;
  /** False with `WEFT_AUTH=off`. */
  enabled: boolean;
  workloads: TokenValidator;
  onWarning?: (message: string) => void;
  /** Where sign-in state lives; the files under `stateDir` when not given. */
  storage?: AuthStorage;
}

export class AuthService {
  readonly storage: AuthStorage;
  readonly authenticator: Authenticator;
  #loginsInFlight = 0;

  constructor(opts: AuthServiceOptions) {
    this.storage = opts.storage ?? new LocalAuthStorage(opts.stateDir, opts.onWarning);
    this.authenticator = new Authenticator({
      enabled: opts.enabled,
      adminToken: this.storage.adminToken.token,
      sessions: this.storage,
      workloads: opts.workloads,
    });
  }

  get adminToken(): AdminToken {
    return this.storage.adminToken;
  }

  /** Adds or replaces a dashboard user. */
  setUser(name: string, role: Role, password: string): Promise<void> {
    return this.storage.setUser(name, role, password);
  }

  /** Ends a session (logout); false when there was none. */
  logout(session: string): Promise<boolean> {
    return this.storage.endSession(session);
  }

  /** A new one-time login code granting `role`. */
  createLink(role: Role): Promise<{ code: string; expiresAt: number }> {
    return this.storage.createCode(role);
  }

  /** A session for a user whose password matches; `WEFT_UNAUTHENTICATED` otherwise. */
  async login(user: string, password: string): Promise<SessionGrant> {
    if (this.#loginsInFlight >= MAX_LOGINS_IN_FLIGHT)
      throw new MeshError(ErrorCode.unavailable, 'too many logins at once; try again in a moment');
    this.#loginsInFlight += 1;
    try {
      const who = await this.storage.verifyUser(user, password);
      if (!who) throw new MeshError(ErrorCode.unauthenticated, 'unknown user or wrong password');
      return this.#grant(who.name, who.role);
    } finally {
      this.#loginsInFlight -= 1;
    }
  }

  /** A session for a one-time login code; `WEFT_UNAUTHENTICATED` when it is unknown, used or expired. */
  async redeem(code: string): Promise<SessionGrant> {
    const role = await this.storage.redeemCode(code);
    if (!role)
      throw new MeshError(
        ErrorCode.unauthenticated,
        'this login link is unknown, used or expired; ask for a new one (restart `npm start`, or call auth.createLoginLink)',
      );
    return this.#grant(role === 'admin' ? 'admin (login link)' : 'viewer (login link)', role);
  }

  async #grant(user: string, role: Role): Promise<SessionGrant> {
    const { secret, session } = await this.storage.createSession(user, role);
    return { session: secret, user, role, expiresAt: new Date(session.expiresAt).toISOString() };
  }
}
