/**
 * Sign-in state shared by controller replicas through one document in a shared store
 * (on Kubernetes the `weft-auth` Secret, platform/kubernetes/auth-secret.ts): the admin
 * token, users with their password hashes, sessions and one-time login codes, each
 * session and code by its SHA-256 digest only. Any replica writes (sign-in, sign-out,
 * a new user or code) with optimistic concurrency: the change is applied to the freshest
 * copy and retried when another replica wrote first, so a code is redeemed once and a
 * session ended on one replica is gone for both. Reads use the watched copy; a session or
 * user not found there is looked up once more in a fresh read, so a sign-in on one
 * replica works on the other straight away. Expired sessions and codes are pruned at
 * every write; counts are bounded (`MAX_SESSIONS`, `MAX_CODES`, `MAX_SHARED_USERS`).
 */
import { ErrorCode, MeshError, Role } from '@weft/shared';
import { z } from 'zod';
import type { AdminToken } from './admin-token.ts';
import { LOGIN_CODE_TTL_MS, MAX_CODES } from './login-links.ts';
import { API_TOKEN_PREFIX, digest, LOGIN_CODE_PREFIX, newSecret, SESSION_PREFIX } from './secrets.ts';
import { MAX_SESSIONS, SESSION_TTL_MS, type Session, SessionRecord } from './sessions.ts';
import type { AuthStorage } from './storage.ts';
import { checkUser, UserRecord, userRecord } from './users.ts';

/** Users kept in the shared document (each ~200 bytes; a Secret holds 1 MiB). */
export const MAX_SHARED_USERS = 2000;

export const CodeRecord = z.object({ digest: z.string(), role: Role, expiresAt: z.number() });
export type CodeRecord = z.infer<typeof CodeRecord>;

export const AuthDocument = z.object({
  adminToken: z
    .string()
    .regex(/^wa_[A-Za-z0-9_-]{40,}$/, 'must be a Weft admin token')
    .optional(),
  users: z.array(UserRecord).max(MAX_SHARED_USERS),
  sessions: z.array(SessionRecord).max(MAX_SESSIONS),
  codes: z.array(CodeRecord).max(MAX_CODES),
});
export type AuthDocument = z.infer<typeof AuthDocument>;

export const EMPTY_AUTH_DOCUMENT: AuthDocument = { users: [], sessions: [], codes: [] };

/** A change to the document: the new document (none: nothing to write) and what to answer. */
export interface AuthChange<R> {
  next?: AuthDocument;
  result: R;
}

/** The shared store the document lives in. */
export interface SharedAuthDocument {
  /** Where it lives, for messages (e.g. `Secret weft/weft-auth`). */
  readonly where: string;
  /** The last copy seen (watched); undefined before there is one. */
  current(): AuthDocument | undefined;
  /** A copy read now (concurrent callers share one read). */
  refresh(): Promise<AuthDocument | undefined>;
  /** Applies `change` to the freshest copy and writes it, retrying when another writer came first. */
  update<R>(change: (doc: AuthDocument) => AuthChange<R>): Promise<R>;
}

const live = <T extends { expiresAt: number }>(items: T[], now: number) =>
  items.filter((i) => i.expiresAt > now);

export class SharedAuthStorage implements AuthStorage {
  readonly adminToken: AdminToken;
  readonly #doc: SharedAuthDocument;
  readonly #ttlMs: number;

  private constructor(doc: SharedAuthDocument, token: string, ttlMs: number) {
    this.#doc = doc;
    this.adminToken = { token, path: `${doc.where} (key admin-token)` };
    this.#ttlMs = ttlMs;
  }

  /** Opens the shared document, writing an admin token into it if it has none yet. */
  static async open(doc: SharedAuthDocument, opts: { ttlMs?: number } = {}): Promise<SharedAuthStorage> {
    const token = await doc.update((d) =>
      d.adminToken
        ? { result: d.adminToken }
        : (() => {
            const t = newSecret(API_TOKEN_PREFIX);
            return { next: { ...d, adminToken: t }, result: t };
          })(),
    );
    return new SharedAuthStorage(doc, token, opts.ttlMs ?? SESSION_TTL_MS);
  }

  async verifyUser(name: string, password: string) {
    let user = this.#doc.current()?.users.find((u) => u.name === name);
    // Added on another replica a moment ago: not watched here yet.
    if (!user) user = (await this.#doc.refresh())?.users.find((u) => u.name === name);
    return checkUser(user, password);
  }

  async setUser(name: string, role: Role, password: string) {
    const record = await userRecord(name, role, password);
    await this.#doc.update((d) => {
      const users = d.users.filter((u) => u.name !== name);
      if (users.length >= MAX_SHARED_USERS)
        throw new MeshError(
          ErrorCode.invalidInput,
          `${this.#doc.where} already holds ${MAX_SHARED_USERS} users, the most it keeps; user ${name} is not added`,
        );
      return { next: { ...d, users: [...users, record] }, result: undefined };
    });
  }

  async createSession(user: string, role: Role) {
    const secret = newSecret(SESSION_PREFIX);
    const now = Date.now();
    const record = { digest: digest(secret), user, role, expiresAt: now + this.#ttlMs };
    await this.#doc.update((d) => ({
      next: { ...d, sessions: [...live(d.sessions, now), record].slice(-MAX_SESSIONS) },
      result: undefined,
    }));
    return { secret, session: { user, role, expiresAt: record.expiresAt } };
  }

  async session(secret: string): Promise<Session | undefined> {
    const key = digest(secret);
    let record = this.#doc.current()?.sessions.find((s) => s.digest === key);
    // Opened on another replica a moment ago: not watched here yet.
    if (!record) record = (await this.#doc.refresh())?.sessions.find((s) => s.digest === key);
    if (!record || record.expiresAt <= Date.now()) return undefined;
    return { user: record.user, role: record.role, expiresAt: record.expiresAt };
  }

  endSession(secret: string) {
    const key = digest(secret);
    return this.#doc.update((d) => {
      const sessions = d.sessions.filter((s) => s.digest !== key);
      return sessions.length === d.sessions.length
        ? { result: false }
        : { next: { ...d, sessions: live(sessions, Date.now()) }, result: true };
    });
  }

  async createCode(role: Role) {
    const code = newSecret(LOGIN_CODE_PREFIX);
    const now = Date.now();
    const record = { digest: digest(code), role, expiresAt: now + LOGIN_CODE_TTL_MS };
    await this.#doc.update((d) => ({
      next: { ...d, codes: [...live(d.codes, now), record].slice(-MAX_CODES) },
      result: undefined,
    }));
    return { code, expiresAt: record.expiresAt };
  }

  redeemCode(code: string) {
    const key = digest(code);
    return this.#doc.update<Role | undefined>((d) => {
      const now = Date.now();
      const found = d.codes.find((c) => c.digest === key);
      if (!found) return { result: undefined };
      return {
        next: { ...d, codes: live(d.codes, now).filter((c) => c.digest !== key) },
        result: found.expiresAt > now ? found.role : undefined,
      };
    });
  }
}
