/**
 * The HTTP/2 benchmark's forwarder built on our own framing layer (apps/proxy/src/h2wire:
 * frame reader and writer, HPACK codec) instead of node:http2: what the HTTP/2 hop could
 * cost with no Http2Stream per stream. Measured beside `h2-floor.ts` by `h2-wire-bench.ts`.
 * `node --import tsx h2-wire-floor.ts LISTEN_PORT UPSTREAM_PORT`.
 *
 * Like h2-floor.ts, it forwards each stream as received (headers re-encoded for the other
 * connection, DATA as is, request and response trailers) over one pooled upstream h2c
 * connection, with stream and connection flow control both ways (h2wire/relay/), and nothing
 * else: no routing, balancing, metrics, timeouts or error answers.
 */
import net from 'node:net';
import { DownConn, UpstreamPool } from '../../apps/proxy/src/h2wire/relay/conns.ts';

const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);
const pool = new UpstreamPool(upstreamPort as number);
const server = net.createServer((socket) => {
  new DownConn(socket, pool);
});
server.listen(listenPort, '127.0.0.1', () => process.stdout.write(`listening ${listenPort}\n`));
process.on('SIGTERM', () => process.exit(0));
