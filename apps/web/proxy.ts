/**
 * Forwards `/trpc/*` to the controller named by CONTROLLER_URL, read at run time: the
 * browser stays same-origin (no CORS), and responses are streamed through as they come,
 * so SSE subscriptions work. When the controller does not answer, replies 502 with a
 * tRPC-shaped error that the dashboard shows as its "controller unreachable" banner.
 *
 * Before anything, the Host and Origin are checked (403 otherwise) here and for the
 * login and logout routes. The session cookie is sent on as `Authorization: Bearer`;
 * the browser's cookies and Origin are not forwarded.
 */
import { type NextRequest, NextResponse } from 'next/server';
import { allowedHosts, controllerUrl } from './lib/env.ts';
import { refusalFor } from './lib/request-guard.ts';
import { sessionFrom } from './lib/session.ts';

/** Hop-by-hop headers, which must not be forwarded. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length'];

function unreachable(message: string): Response {
  const body = { error: { message, code: -32603, data: { code: 'WEFT_UNAVAILABLE', httpStatus: 502 } } };
  return Response.json(body, { status: 502, headers: { 'cache-control': 'no-store' } });
}

function forbidden(message: string): Response {
  const body = { error: { message, code: -32600, data: { code: 'FORBIDDEN', httpStatus: 403 } } };
  return Response.json(body, { status: 403, headers: { 'cache-control': 'no-store' } });
}

export async function proxy(request: NextRequest): Promise<Response> {
  const refusal = refusalFor(request.headers, allowedHosts());
  if (refusal) return forbidden(refusal);
  if (!request.nextUrl.pathname.startsWith('/trpc/')) return NextResponse.next();
  let base: string;
  try {
    base = controllerUrl();
  } catch (err) {
    return unreachable(err instanceof Error ? err.message : String(err));
  }
  const target = `${base}${request.nextUrl.pathname}${request.nextUrl.search}`;
  const headers = new Headers(request.headers);
  for (const h of HOP_BY_HOP) headers.delete(h);
  headers.delete('accept-encoding');
  // The session travels as a bearer credential; nothing else of the browser's identity does.
  const session = sessionFrom(request.headers.get('cookie'));
  for (const h of ['cookie', 'origin', 'referer']) headers.delete(h);
  if (session !== undefined) headers.set('authorization', `Bearer ${session}`);
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      signal: request.signal,
      redirect: 'manual',
      cache: 'no-store',
    });
  } catch {
    return unreachable(`The controller at ${base} cannot be reached.`);
  }
  const out = new Headers(upstream.headers);
  for (const h of HOP_BY_HOP) out.delete(h);
  out.delete('content-encoding');
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: out,
  });
}

export const config = { matcher: ['/trpc/:path*', '/login/:path*', '/logout'] };
