/** `POST /logout`: ends the session at the controller, clears the cookie, and shows the login page. */
import type { NextRequest } from 'next/server';
import { clearedSessionCookie, endSession, sessionFrom } from '../../lib/session.ts';

export const dynamic = 'force-dynamic';

export async function POST(request: NextRequest): Promise<Response> {
  const session = sessionFrom(request.headers.get('cookie'));
  if (session !== undefined) await endSession(session);
  return new Response(null, {
    status: 303,
    headers: { location: '/login', 'set-cookie': clearedSessionCookie(), 'cache-control': 'no-store' },
  });
}
