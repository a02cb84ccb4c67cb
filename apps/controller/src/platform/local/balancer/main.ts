/**
 * The service balancer, a small process of its own (as kube-proxy is beside the API
 * server): it listens on every service's virtual address and port and forwards each TCP
 * connection to one ready backend, round-robin, trying the next backend when a connect
 * fails. It keeps forwarding with its last table while the controller is away.
 *
 * Like kube-proxy, it keeps the caller's address: it connects to the backend from the
 * calling pod's own loopback address (every 127/8 address is local here, so it can bind
 * it), so the backend, its proxy's NetworkAuthentication and the topology see the real
 * caller rather than the balancer.
 *
 * Usage: node --import tsx balancer/main.ts <state-dir>
 */
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { type Backend, BalancerTable, type Listener, TABLE_KEY } from './table.ts';

const stateDir = process.argv[2];
if (!stateDir) {
  console.error('usage: balancer/main.ts <state-dir>');
  process.exit(2);
}
const tablePath = join(stateDir, `${TABLE_KEY}.json`);

/** Connect attempts per client connection before giving up. */
const MAX_ATTEMPTS = 3;
const CONNECT_TIMEOUT_MS = 2000;

interface Bound {
  listener: Listener;
  server: net.Server;
  next: number;
}

const bound = new Map<string, Bound>();
let lastMtime = 0;

function log(msg: string) {
  console.log(`${new Date().toISOString()} ${msg}`);
}

function pick(b: Bound): Backend | undefined {
  const list = b.listener.backends;
  if (list.length === 0) return undefined;
  const backend = list[b.next % list.length];
  b.next = (b.next + 1) % list.length;
  return backend;
}

/** The caller's address when it is an IPv4 loopback address (bindable here), else undefined. */
function callerLoopback(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain) ? plain : undefined;
}

function forward(b: Bound, client: net.Socket, attempt: number) {
  const backend = pick(b);
  if (!backend) {
    client.destroy();
    return;
  }
  const from = callerLoopback(client.remoteAddress);
  const upstream = net.connect({
    host: backend.host,
    port: backend.port,
    ...(from === undefined ? {} : { localAddress: from }),
  });
  // A client that leaves while we are still connecting takes the upstream with it.
  const dropUpstream = () => upstream.destroy();
  client.once('close', dropUpstream);
  upstream.setTimeout(CONNECT_TIMEOUT_MS);
  upstream.once('timeout', () => upstream.destroy(new Error('connect timeout')));
  // Only failures before 'connect' land here (the listener is replaced on connect):
  // try the next backend, or give up and close the client.
  upstream.once('error', (err) => {
    client.removeListener('close', dropUpstream);
    if (attempt + 1 < Math.min(MAX_ATTEMPTS, b.listener.backends.length + 1) && !client.destroyed) {
      forward(b, client, attempt + 1);
    } else {
      log(`${b.listener.service}: no backend reachable (${err.message})`);
      client.destroy();
    }
  });
  upstream.once('connect', () => {
    upstream.setTimeout(0);
    upstream.removeAllListeners('error');
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
}

function listen(listener: Listener): Bound {
  const b: Bound = { listener, server: net.createServer(), next: 0 };
  b.server.on('connection', (client) => {
    client.pause(); // until the backend connects; pipe() resumes it
    client.on('error', () => client.destroy());
    forward(b, client, 0);
  });
  b.server.on('error', (err) =>
    log(`${listener.service}: cannot listen on ${listener.address}:${listener.port}: ${err.message}`),
  );
  b.server.listen(listener.port, listener.address);
  return b;
}

function load() {
  let mtime: number;
  try {
    mtime = statSync(tablePath).mtimeMs;
  } catch {
    return;
  }
  if (mtime === lastMtime) return;
  let table: BalancerTable;
  try {
    table = BalancerTable.parse(JSON.parse(readFileSync(tablePath, 'utf8')));
  } catch (err) {
    log(`cannot read ${tablePath}: ${(err as Error).message}`);
    return;
  }
  lastMtime = mtime;
  const wanted = new Map(table.listeners.map((l) => [`${l.address}:${l.port}`, l]));
  for (const [key, b] of bound) {
    if (!wanted.has(key)) {
      b.server.close();
      bound.delete(key);
    }
  }
  for (const [key, l] of wanted) {
    const b = bound.get(key);
    if (b) b.listener = l;
    else bound.set(key, listen(l));
  }
  log(`table v${table.version}: ${table.listeners.length} listeners`);
}

// The controller signals SIGHUP after each table it writes, once this process has said it
// serves (the line below: the handler is installed by then, and the first table loaded).
process.on('SIGHUP', load);
process.on('SIGTERM', () => {
  for (const b of bound.values()) b.server.close();
  process.exit(0);
});
// Stay up with no listener bound (an empty table) until the next table or SIGTERM.
setInterval(() => {}, 2 ** 31 - 1);
load();
log(`balancer ${process.pid} serving from ${tablePath}`);
