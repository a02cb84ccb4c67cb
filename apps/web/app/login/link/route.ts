/**
 * `GET /login/link?code=...`: the one-time login link `npm start` prints. Trades the code
 * for a session at the controller, stores it in the session cookie, and goes to the
 * overview; an unknown, used or expired code goes to the login page, which says so.
 */
import type { NextRequest } from 'next/server';
import { loginRedirect } from '../../../lib/session.ts';

export const dynamic = 'force-dynamic';

export async function GET(request: NextRequest): Promise<Response> {
  const code = request.nextUrl.searchParams.get('code') ?? '';
  return loginRedirect({ code }, request.nextUrl.protocol === 'https:');
}
