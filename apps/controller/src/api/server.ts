/**
 * The API over HTTP: tRPC's standalone adapter under `/trpc` (queries as GET, mutations
 * as POST, subscriptions as SSE), plus `GET /healthz` for plain liveness checks.
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { appRouter } from './router.ts';
import { type ApiServices, createContext } from './trpc.ts';

/** Base path of every procedure. */
export const API_BASE_PATH = '/trpc/';

export interface ApiServer {
  /** The bound address, e.g. `127.0.0.1:7090`. */
  address: string;
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0 picks one) and serves the API. */
export async function startApiServer(services: ApiServices, host: string, port: number): Promise<ApiServer> {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: API_BASE_PATH,
    createContext: () => createContext(services),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`[api] ${path ?? '?'}: ${error.message}`);
    },
  });
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
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
