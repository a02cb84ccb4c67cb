/**
 * The admin server (`WEFT_PROXY_ADMIN_LISTEN`): `/metrics` (Prometheus text), `/ready`
 * (200 once the listeners are up, and later the certificate obtained), `/live`, and
 * `/shutdown` (POST, from loopback only) which starts a graceful drain.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HostPort } from '../env.ts';

export interface AdminHooks {
  metrics(): Promise<string>;
  ready(): boolean;
  shutdown(): void;
}

const PROM_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function isLoopback(addr: string | undefined): boolean {
  return addr !== undefined && (addr.startsWith('127.') || addr === '::1' || addr.startsWith('::ffff:127.'));
}

function reply(res: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function handle(hooks: AdminHooks, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  switch (path) {
    case '/metrics':
      reply(res, 200, await hooks.metrics(), PROM_TYPE);
      return;
    case '/ready':
      if (hooks.ready()) reply(res, 200, 'ready\n');
      else reply(res, 503, 'not ready\n');
      return;
    case '/live':
      reply(res, 200, 'live\n');
      return;
    case '/shutdown':
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        reply(res, 405, 'use POST\n');
      } else if (!isLoopback(req.socket.remoteAddress)) {
        reply(res, 403, 'shutdown is accepted from loopback only\n');
      } else {
        reply(res, 202, 'shutting down\n');
        hooks.shutdown();
      }
      return;
    default:
      reply(res, 404, 'not found: try /metrics, /ready, /live, /shutdown\n');
  }
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
