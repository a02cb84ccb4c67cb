/**
 * `GET /login/link?code=...`: the one-time login link `npm start` prints. Trades the code
 * for a session at the controller, stores it in the session cookie, and goes to the
 * overview; an unknown, used or expired code goes to the login page, which says so.
 */
import type { NextRequest } from 'next/server';
import { sessionCookie, startSession } from '../../../lib/session.ts';

export const dynamic = 'force-dynamic';

export async function GET(request: NextRequest): Promise<Response> {
  const code = request.nextUrl.searchParams.get('code') ?? '';
  const grant = await startSession({ code });
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
