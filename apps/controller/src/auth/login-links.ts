/**
 * One-time login codes, as in Jupyter's token links: `npm start` mints one with the admin
 * token and prints `<dashboard>/login/link?code=...`; the first visit trades it for a
 * session. Held in memory as digests only, each valid once and for `LOGIN_CODE_TTL_MS`,
 * at most `MAX_CODES` outstanding.
 */
import type { Role } from '@weft/shared';
import { digest, LOGIN_CODE_PREFIX, newSecret } from './secrets.ts';

export const LOGIN_CODE_TTL_MS = 3600 * 1000;
export const MAX_CODES = 100;

export class LoginLinks {
  readonly #codes = new Map<string, { role: Role; expiresAt: number }>();

  /** A new code granting `role`, and when it stops working. */
  create(role: Role, now = Date.now()): { code: string; expiresAt: number } {
    const code = newSecret(LOGIN_CODE_PREFIX);
    const expiresAt = now + LOGIN_CODE_TTL_MS;
    this.#codes.set(digest(code), { role, expiresAt });
    while (this.#codes.size > MAX_CODES) {
      const oldest = this.#codes.keys().next().value;
      if (oldest === undefined) break;
      this.#codes.delete(oldest);
    }
    return { code, expiresAt };
  }

  /** The role a code grants, used up; undefined when unknown, used or expired. */
  redeem(code: string, now = Date.now()): Role | undefined {
    const key = digest(code);
    const entry = this.#codes.get(key);
    if (!entry) return undefined;
    this.#codes.delete(key);
    return entry.expiresAt > now ? entry.role : undefined;
  }
}
