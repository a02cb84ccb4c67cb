/**
 * `POST /login/password`: the login form. Checks the user's name and password at the
 * controller, stores the session in the session cookie and goes to the overview; a
 * refusal goes back to the login page with the reason.
 */
import type { NextRequest } from 'next/server';
import { loginRedirect } from '../../../lib/session.ts';

export const dynamic = 'force-dynamic';

export async function POST(request: NextRequest): Promise<Response> {
  const form = await request.formData().catch(() => undefined);
  const user = String(form?.get('user') ?? '');
  const password = String(form?.get('password') ?? '');
  return loginRedirect({ user, password }, request.nextUrl.protocol === 'https:');
}
