/**
 * The dashboard's session, server side: the cookie that holds a session secret the
 * controller issued (HttpOnly, SameSite=Strict), and the controller calls that create
 * and end one (`auth.login`, `auth.redeemLink`, `auth.logout`). The browser never sees
 * the secret in script; the `/trpc` forwarder sends it as `Authorization: Bearer`.
 */
import { SESSION_COOKIE, SessionGrant } from '@weft/shared';
import { controllerUrl } from './env.ts';

export { SESSION_COOKIE };

/** The `Set-Cookie` value that stores a session until it expires. */
export function sessionCookie(secret: string, expiresAt: string, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000));
  return `${SESSION_COOKIE}=${secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

/** The `Set-Cookie` value that removes the session cookie. */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}

/** The session secret in a request's cookies, if any. */
export function sessionFrom(cookieHeader: string | null): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === SESSION_COOKIE) return rest.join('=') || undefined;
  }
  return undefined;
}

/** Calls a controller mutation from the dashboard server; the answer's data, or the error's message. */
async function mutate(path: string, input: unknown): Promise<{ data: unknown } | { error: string }> {
  try {
    const res = await fetch(`${controllerUrl()}/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
      cache: 'no-store',
      signal: AbortSignal.timeout(10_000),
    });
    const json = (await res.json()) as { result?: { data?: unknown }; error?: { message?: string } };
    if (!res.ok || json.error) return { error: json.error?.message ?? `HTTP ${res.status}` };
    return { data: json.result?.data };
  } catch (err) {
    return {
      error: `the controller cannot be reached (${err instanceof Error ? err.message : String(err)})`,
    };
  }
}

/** A new session from a password or a one-time login code. */
export async function startSession(
  how: { user: string; password: string } | { code: string },
): Promise<SessionGrant | { error: string }> {
  const r = await mutate('code' in how ? 'auth.redeemLink' : 'auth.login', how);
  if ('error' in r) return r;
  const grant = SessionGrant.safeParse(r.data);
  return grant.success ? grant.data : { error: 'the controller answered with no session' };
}

/**
 * Starts a session (`startSession`) and answers the login request that asked for it: a
 * redirect to the overview holding the session cookie, or back to the login page with
 * the reason it was refused.
 */
export async function loginRedirect(
  how: { user: string; password: string } | { code: string },
  secure: boolean,
): Promise<Response> {
  const grant = await startSession(how);
  const headers = new Headers({ 'cache-control': 'no-store' });
  if ('error' in grant) {
    headers.set('location', `/login?error=${encodeURIComponent(grant.error)}`);
    return new Response(null, { status: 303, headers });
  }
  headers.set('location', '/');
  headers.set('set-cookie', sessionCookie(grant.session, grant.expiresAt, secure));
  return new Response(null, { status: 303, headers });
}

/** Ends a session at the controller (best effort). */
export async function endSession(secret: string): Promise<void> {
  await mutate('auth.logout', { session: secret });
}
