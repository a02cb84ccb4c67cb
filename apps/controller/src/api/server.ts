/**
 * The API over HTTP: tRPC's standalone adapter under `/trpc` (queries as GET, or as POST
 * for an input too large for a URL such as a policy YAML, mutations as POST,
 * subscriptions as SSE), plus `GET /healthz` for plain liveness checks. Every
 * request passes the request guard (Host, Origin, body size) and is authenticated once,
 * into `ctx.caller`.
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { Caller } from '../auth/caller.ts';
import { checkRequest, DEFAULT_MAX_BODY_BYTES, type RequestGuardOptions } from './request-guard.ts';
import { appRouter } from './router.ts';
import { type ApiServices, createContext } from './trpc.ts';

const NOBODY: Caller = { kind: 'anonymous', refused: 'this controller has no authentication configured' };

function refuse(res: http.ServerResponse, status: number, message: string): void {
  const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : 'FORBIDDEN';
  const meshCode = status === 413 ? 'WEFT_INVALID_INPUT' : 'WEFT_FORBIDDEN';
  res
    .writeHead(status, { 'content-type': 'application/json', connection: 'close' })
    .end(JSON.stringify({ error: { message, code: -32600, data: { code, httpStatus: status, meshCode } } }));
}

/** Base path of every procedure. */
export const API_BASE_PATH = '/trpc/';

export interface ApiServer {
  /** The bound address, e.g. `127.0.0.1:7090`. */
  address: string;
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0 picks one) and serves the API. */
export async function startApiServer(
  services: ApiServices,
  host: string,
  port: number,
  guard: RequestGuardOptions = {},
): Promise<ApiServer> {
  const authenticator = services.auth?.authenticator;
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: API_BASE_PATH,
    maxBodySize: guard.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    // A query may come as POST (the client's `methodOverride: 'POST'`): a YAML of 50 routes
    // does not fit in a URL. Still a query: the viewer's role suffices, and nothing changes.
    allowMethodOverride: true,
    createContext: async ({ req }) =>
      createContext(
        services,
        authenticator ? await authenticator.authenticate(req.headers.authorization) : NOBODY,
      ),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`[api] ${path ?? '?'}: ${error.message}`);
    },
  });
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    const refusal = checkRequest(req.headers, guard);
    if (refusal) {
      refuse(res, refusal.status, refusal.message);
      return;
    }
    if (!req.url?.startsWith(API_BASE_PATH)) {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end(`not found; the API is under ${API_BASE_PATH}\n`);
      return;
    }
    trpc(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    address: `${a.address}:${a.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
