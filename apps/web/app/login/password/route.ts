/**
 * `POST /login/password`: the login form. Checks the user's name and password at the
 * controller, stores the session in the session cookie and goes to the overview; a
 * refusal goes back to the login page with the reason.
 */
import type { NextRequest } from 'next/server';
import { sessionCookie, startSession } from '../../../lib/session.ts';

export const dynamic = 'force-dynamic';

export async function POST(request: NextRequest): Promise<Response> {
  const form = await request.formData().catch(() => undefined);
  const user = String(form?.get('user') ?? '');
  const password = String(form?.get('password') ?? '');
  const grant = await startSession({ user, password });
  const headers = new Headers({ 'cache-control': 'no-store' });
  if ('error' in grant) {
    headers.set('location', `/login?error=${encodeURIComponent(grant.error)}`);
    return new Response(null, { status: 303, headers });
  }
  headers.set('location', '/');
  headers.set(
    'set-cookie',
    sessionCookie(grant.session, grant.expiresAt, request.nextUrl.protocol === 'https:'),
  );
  return new Response(null, { status: 303, headers });
}
