/**
 * Dashboard sessions: a random secret in the browser's cookie, its SHA-256 digest here.
 * Kept in `<stateDir>/auth/sessions.json` (0600) so that a controller restart does not
 * log everyone out. At most `MAX_SESSIONS` live at once (the oldest go first); each
 * expires after `SESSION_TTL_MS`. A malformed file is set aside: everyone logs in again.
 */
import { join } from 'node:path';
import { Role } from '@weft/shared';
import { z } from 'zod';
import { authDir, readIfExists, writePrivateFile } from './private-file.ts';
import { digest, newSecret, SESSION_PREFIX } from './secrets.ts';

export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
export const MAX_SESSIONS = 1000;

export const SessionRecord = z.object({
  digest: z.string(),
  user: z.string(),
  role: Role,
  expiresAt: z.number(),
});
export type SessionRecord = z.infer<typeof SessionRecord>;
const SessionsDocument = z.object({ sessions: z.array(SessionRecord) });

export interface Session {
  user: string;
  role: Role;
  expiresAt: number;
}

export class SessionStore {
  readonly #path: string;
  readonly #ttlMs: number;
  readonly #byDigest = new Map<string, SessionRecord>();

  constructor(stateDir: string, opts: { ttlMs?: number; onWarning?: (m: string) => void } = {}) {
    this.#path = join(authDir(stateDir), 'sessions.json');
    this.#ttlMs = opts.ttlMs ?? SESSION_TTL_MS;
    const text = readIfExists(this.#path);
    if (text === undefined) return;
    try {
      const doc = SessionsDocument.parse(JSON.parse(text));
      const now = Date.now();
      for (const s of doc.sessions.slice(-MAX_SESSIONS))
        if (s.expiresAt > now) this.#byDigest.set(s.digest, s);
    } catch {
      opts.onWarning?.(`${this.#path} is malformed; its sessions are dropped and users log in again`);
    }
  }

  /** Starts a session; returns its secret (shown once, to be put in the cookie). */
  create(user: string, role: Role, now = Date.now()): { secret: string; session: Session } {
    const secret = newSecret(SESSION_PREFIX);
    const record = { digest: digest(secret), user, role, expiresAt: now + this.#ttlMs };
    this.#byDigest.set(record.digest, record);
    while (this.#byDigest.size > MAX_SESSIONS) {
      const oldest = this.#byDigest.keys().next().value;
      if (oldest === undefined) break;
      this.#byDigest.delete(oldest);
    }
    this.#save(now);
    return { secret, session: { user, role, expiresAt: record.expiresAt } };
  }

  /** The live session a secret opens, or undefined. */
  get(secret: string, now = Date.now()): Session | undefined {
    const record = this.#byDigest.get(digest(secret));
    if (!record) return undefined;
    if (record.expiresAt <= now) {
      this.#byDigest.delete(record.digest);
      return undefined;
    }
    return { user: record.user, role: record.role, expiresAt: record.expiresAt };
  }

  /** Ends a session (logout); false when there was none. */
  end(secret: string): boolean {
    const gone = this.#byDigest.delete(digest(secret));
    if (gone) this.#save(Date.now());
    return gone;
  }

  #save(now: number): void {
    const sessions = [...this.#byDigest.values()].filter((s) => s.expiresAt > now);
    writePrivateFile(this.#path, `${JSON.stringify({ sessions })}\n`);
  }
}
