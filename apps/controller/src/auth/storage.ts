/**
 * Where the controller keeps sign-in state: the admin token, users (with their password
 * hashes), sessions and one-time login codes. On the local platform these are files in
 * the state directory (`LocalAuthStorage`); on Kubernetes a Secret shared by the replicas
 * (`SharedAuthStorage`, shared-auth.ts). Every call may reach the store, hence async.
 */
import type { Role } from '@weft/shared';
import { type AdminToken, loadOrCreateAdminToken } from './admin-token.ts';
import { LoginLinks } from './login-links.ts';
import { type Session, SessionStore } from './sessions.ts';
import { type AuthenticatedUser, UserStore } from './users.ts';

export interface AuthStorage {
  readonly adminToken: AdminToken;
  verifyUser(name: string, password: string): Promise<AuthenticatedUser | undefined>;
  setUser(name: string, role: Role, password: string): Promise<void>;
  createSession(user: string, role: Role): Promise<{ secret: string; session: Session }>;
  /** The live session a secret opens, or undefined. */
  session(secret: string): Promise<Session | undefined>;
  /** Ends a session (logout); false when there was none. */
  endSession(secret: string): Promise<boolean>;
  createCode(role: Role): Promise<{ code: string; expiresAt: number }>;
  /** The role a one-time code grants, used up; undefined when unknown, used or expired. */
  redeemCode(code: string): Promise<Role | undefined>;
}

/** Files under `<stateDir>/auth/`; login codes in memory. */
export class LocalAuthStorage implements AuthStorage {
  readonly adminToken: AdminToken;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly links = new LoginLinks();

  constructor(stateDir: string, onWarning?: (message: string) => void) {
    this.adminToken = loadOrCreateAdminToken(stateDir);
    this.users = new UserStore(stateDir);
    this.sessions = new SessionStore(stateDir, onWarning ? { onWarning } : {});
  }

  verifyUser(name: string, password: string) {
    return this.users.verify(name, password);
  }

  setUser(name: string, role: Role, password: string) {
    return this.users.set(name, role, password);
  }

  async createSession(user: string, role: Role) {
    return this.sessions.create(user, role);
  }

  async session(secret: string) {
    return this.sessions.get(secret);
  }

  async endSession(secret: string) {
    return this.sessions.end(secret);
  }

  async createCode(role: Role) {
    return this.links.create(role);
  }

  async redeemCode(code: string) {
    return this.links.redeem(code);
  }
}
