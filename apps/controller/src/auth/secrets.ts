/**
 * Random bearer secrets and how they are kept: each kind has a prefix that says what it
 * is (`wa_` API token, `ws_` session, `wl_` one-time login code), and only their SHA-256
 * digests are held or stored, compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_TOKEN_PREFIX = 'wa_';
export const SESSION_PREFIX = 'ws_';
export const LOGIN_CODE_PREFIX = 'wl_';

/** A new secret: `prefix` and 32 random bytes, base64url. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** The SHA-256 digest of a secret, base64url: what is stored instead of the secret. */
export function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Whether two strings are equal, in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}
