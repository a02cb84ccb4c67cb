/**
 * traffic: the load generator. Calls the web front end at a steady rate and counts its
 * own outcomes, served on `GET /stats`: `ok` (2xx), `injected` (failures a service made
 * on purpose, marked by a header), `errors` (everything else: refused or reset
 * connections, timeouts, 5xx not made on purpose), with the last few errors. It starts
 * counting once the target first answers its readiness check.
 */
import http from 'node:http';
import { call, serviceAuthority } from './lib/http-client.ts';
import { INJECTED_HEADER } from './lib/knobs.ts';
import { listenAddress, onTerminate } from './lib/server.ts';

const rate = Number(process.env.RATE ?? 10);
if (!Number.isFinite(rate) || rate <= 0 || rate > 1000)
  throw new Error(`RATE must be 1..1000 requests per second (got ${process.env.RATE})`);
const target = process.env.TARGET ?? serviceAuthority('web');
const books = Number(process.env.BOOKS ?? 20);

const stats = {
  target,
  rate,
  since: new Date().toISOString(),
  sent: 0,
  ok: 0,
  injected: 0,
  errors: 0,
  inFlight: 0,
  lastErrors: [] as { at: string; error: string }[],
};

function fail(error: string) {
  stats.errors += 1;
  stats.lastErrors.push({ at: new Date().toISOString(), error });
  if (stats.lastErrors.length > 20) stats.lastErrors.shift();
}

async function once(n: number) {
  stats.sent += 1;
  stats.inFlight += 1;
  try {
    const r = await call(target, `/book/b${n % books}`, { timeoutMs: 5000 });
    if (r.status >= 200 && r.status < 300) stats.ok += 1;
    else if (r.headers[INJECTED_HEADER]) stats.injected += 1;
    else fail(`HTTP ${r.status}: ${r.body.slice(0, 200)}`);
  } catch (err) {
    fail((err as Error).message);
  } finally {
    stats.inFlight -= 1;
  }
}

/** Waits (at most a minute) until the target answers its readiness check, so start-up is not counted. */
async function warmUp() {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const r = await call(target, '/healthz', { timeoutMs: 1000 }).catch(() => undefined);
    if (r?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

let n = 0;
let timer: NodeJS.Timeout | undefined;
void warmUp().then(() => {
  stats.since = new Date().toISOString();
  timer = setInterval(() => void once(n++), 1000 / rate);
});

const server = http.createServer((req, res) => {
  if (req.url === '/stats' || req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  res.writeHead(404).end();
});
const { host, port } = listenAddress();
server.listen(port, host, () =>
  console.log(`traffic: ${rate} rps to ${target}; stats on ${host}:${port}/stats`),
);

onTerminate(async () => {
  clearInterval(timer);
  server.close();
});
