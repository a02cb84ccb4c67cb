/**
 * The admin server (`WEFT_PROXY_ADMIN_LISTEN`): `/metrics` (Prometheus text), `/ready`
 * (200 once the listeners are up, and later the certificate obtained; the identity it
 * serves mTLS as in `weft-tls-identity` while it holds one), `/live`, and
 * `/shutdown` (POST) which starts a graceful drain, and `/tap` (GET, live request events,
 * `tap/serve.ts`). `/shutdown` and `/tap` are accepted only from the pod's own address
 * (the address the admin server listens on) or loopback, or with the admin token
 * (`WEFT_PROXY_ADMIN_TOKEN`) as `Authorization: Bearer`. Any request carrying an
 * Origin (a browser page, whatever its site) is refused: nothing here is for pages.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PROXY_TLS_IDENTITY_HEADER } from '@weft/shared';
import type { HostPort } from '../env.ts';
import type { TapHub } from '../tap/hub.ts';
import { serveTap } from '../tap/serve.ts';

export interface AdminHooks {
  metrics(): Promise<string>;
  ready(): boolean;
  /** The identity inbound mTLS is served as, while a certificate is held (on `/ready`). */
  tlsIdentity?(): string | undefined;
  shutdown(): void;
  /** A token that also allows `/shutdown` from another address (`Authorization: Bearer <token>`). */
  shutdownToken?: string;
  /** The proxy's taps; absent: `/tap` answers 404. */
  tap?: TapHub;
}

const PROM_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** `::ffff:127.0.0.1` → `127.0.0.1`. */
function plain(addr: string | undefined): string | undefined {
  return addr?.startsWith('::ffff:') ? addr.slice(7) : addr;
}

function sameToken(given: string, want: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isLoopback(addr: string | undefined): boolean {
  return addr !== undefined && (addr.startsWith('127.') || addr === '::1');
}

/** Why `/tap` is refused to this request, or undefined when it is allowed. */
function tapRefusal(req: IncomingMessage, token: string | undefined): string | undefined {
  if (isLoopback(plain(req.socket.remoteAddress))) return undefined;
  return shutdownRefusal(req, token, 'tap');
}

/** Why `/shutdown` is refused to this request, or undefined when it is allowed. */
function shutdownRefusal(
  req: IncomingMessage,
  token: string | undefined,
  what = 'shutdown',
): string | undefined {
  const auth = req.headers.authorization;
  if (token !== undefined && auth !== undefined) {
    return sameToken(auth, `Bearer ${token}`) ? undefined : `the ${what} token is wrong`;
  }
  const from = plain(req.socket.remoteAddress);
  if (from === undefined || from !== plain(req.socket.localAddress))
    return `${what} is accepted only from the pod's own address (${plain(req.socket.localAddress)}), not ${from}`;
  return undefined;
}

function reply(res: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  res.setHeader('content-type', type);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.writeHead(status);
  res.end(body);
}

async function handle(hooks: AdminHooks, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (req.headers.origin !== undefined) {
    reply(res, 403, 'requests from web pages (with an Origin) are refused\n');
    return;
  }
  switch (path) {
    case '/metrics':
      reply(res, 200, await hooks.metrics(), PROM_TYPE);
      return;
    case '/ready': {
      const tls = hooks.tlsIdentity?.();
      if (tls !== undefined) res.setHeader(PROXY_TLS_IDENTITY_HEADER, tls);
      if (hooks.ready()) reply(res, 200, 'ready\n');
      else reply(res, 503, 'not ready\n');
      return;
    }
    case '/live':
      reply(res, 200, 'live\n');
      return;
    case '/shutdown':
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        reply(res, 405, 'use POST\n');
      } else {
        const refusal = shutdownRefusal(req, hooks.shutdownToken);
        if (refusal !== undefined) {
          reply(res, 403, `${refusal}\n`);
          return;
        }
        reply(res, 202, 'shutting down\n');
        hooks.shutdown();
      }
      return;
    case '/tap': {
      if (hooks.tap === undefined) break;
      if (req.method !== 'GET') {
        res.setHeader('allow', 'GET');
        reply(res, 405, 'use GET\n');
        return;
      }
      const refusal = tapRefusal(req, hooks.shutdownToken);
      if (refusal !== undefined) {
        reply(res, 403, `${refusal}\n`);
        return;
      }
      serveTap(hooks.tap, req, res, new URLSearchParams(q < 0 ? '' : url.slice(q + 1)));
      return;
    }
  }
  reply(res, 404, 'not found: try /metrics, /ready, /live, /shutdown, /tap\n');
}

/** Starts the admin server; resolves with it and its bound address. */
export function startAdmin(at: HostPort, hooks: AdminHooks): Promise<{ server: Server; address: HostPort }> {
  const server = createServer((req, res) => {
    handle(hooks, req, res).catch((err: unknown) => {
      if (!res.headersSent) reply(res, 500, `admin error: ${String(err)}\n`);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: at.host, port: at.port }, () => {
      server.removeListener('error', reject);
      const a = server.address();
      resolve({
        server,
        address: typeof a === 'object' && a !== null ? { host: a.address, port: a.port } : at,
      });
    });
  });
}
