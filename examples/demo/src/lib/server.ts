/**
 * The HTTP server every demo service runs: listens where `HOST`/`PORT` say, answers
 * `/healthz` (readiness) and `/_demo/knobs` (read with GET, change at run time with PUT),
 * applies the latency and failure knobs to every other route, and drains on SIGTERM
 * (keeps answering, with `Connection: close`, until its connections are gone or a grace
 * period ends).
 */
import http from 'node:http';
import { addedLatency, INJECTED_HEADER, type Knobs, readKnobs, shouldFail, updateKnobs } from './knobs.ts';

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: http.IncomingMessage, url: URL) => Promise<Reply>;

/** The path of the knobs endpoint. */
export const KNOBS_PATH = '/_demo/knobs';
/** Largest knobs body read, bytes. */
const MAX_KNOBS_BODY = 1024;

/** `GET` answers the knobs; `PUT` with a JSON object changes some of them (all or nothing). */
function serveKnobs(name: string, knobs: Knobs, req: http.IncomingMessage, res: http.ServerResponse): void {
  const reply = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  if (req.method === 'GET') {
    reply(200, knobs);
    return;
  }
  if (req.method !== 'PUT') {
    reply(405, { error: 'use GET or PUT' });
    return;
  }
  let body = '';
  let tooLarge = false;
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    if (tooLarge) return;
    body += chunk;
    if (body.length > MAX_KNOBS_BODY) tooLarge = true;
  });
  req.on('end', () => {
    if (tooLarge) {
      reply(413, { error: `body must be at most ${MAX_KNOBS_BODY} bytes` });
      return;
    }
    try {
      updateKnobs(knobs, JSON.parse(body));
    } catch (err) {
      reply(400, { error: `${name}: ${(err as Error).message}` });
      return;
    }
    console.log(`${name}: knobs now ${JSON.stringify(knobs)}`);
    reply(200, knobs);
  });
}

/** How long a draining server waits for its connections before exiting. */
const DRAIN_MS = 5000;

export function listenAddress(): { host: string; port: number } {
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`PORT must be a port number (got "${process.env.PORT}")`);
  return { host: process.env.HOST ?? '127.0.0.1', port };
}

/** Stops on SIGTERM after `close` finished or the grace period ran out. */
export function onTerminate(close: () => Promise<void>): void {
  let closing = false;
  process.on('SIGTERM', () => {
    if (closing) return;
    closing = true;
    const hard = setTimeout(() => process.exit(0), DRAIN_MS);
    hard.unref();
    close().finally(() => process.exit(0));
  });
}

export function serve(name: string, handler: Handler, knobs: Knobs = readKnobs()): http.Server {
  let draining = false;
  const server = http.createServer(async (req, res) => {
    if (draining) res.setHeader('connection', 'close');
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (url.pathname === KNOBS_PATH) {
      serveKnobs(name, knobs, req, res);
      return;
    }
    try {
      await addedLatency(knobs);
      if (shouldFail(knobs)) {
        res
          .writeHead(500, { 'content-type': 'application/json', [INJECTED_HEADER]: name })
          .end(JSON.stringify({ error: `${name}: injected failure (FAILURE_RATE=${knobs.failureRate})` }));
        return;
      }
      const out = await handler(req, url);
      res
        .writeHead(out.status, { 'content-type': 'application/json', ...out.headers })
        .end(JSON.stringify(out.body));
    } catch (err) {
      res
        .writeHead(502, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: `${name}: ${(err as Error).message}` }));
    }
  });
  const { host, port } = listenAddress();
  server.listen(port, host, () =>
    console.log(`${name} listening on ${host}:${port} (${JSON.stringify(knobs)})`),
  );
  server.on('error', (err) => {
    console.error(`${name}: ${err.message}`);
    process.exit(1);
  });
  onTerminate(
    () =>
      new Promise((resolve) => {
        draining = true;
        console.log(`${name}: SIGTERM, draining`);
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  );
  return server;
}

/** Turns a downstream reply into this service's error, keeping the injected-failure mark. */
export function downstreamFailure(service: string, status: number, headers: http.IncomingHttpHeaders): Reply {
  const injected = headers[INJECTED_HEADER];
  const out: Reply = { status: injected ? 500 : 502, body: { error: `${service} answered ${status}` } };
  if (injected) out.headers = { [INJECTED_HEADER]: String(injected) };
  return out;
}
