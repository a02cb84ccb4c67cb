/**
 * The floor of the HTTP/2 benchmark: the least a `node:http2` forwarder can do per
 * stream on this Node, measured beside Weft in the same run (`h2.ts`), so that Weft's
 * HTTP/2 figures can be read against what the runtime itself costs.
 * `node --import tsx h2-floor.ts LISTEN_PORT UPSTREAM_PORT`.
 *
 * One h2c server, one client session to the upstream, each stream forwarded as Weft
 * forwards it (headers as received, bodies with 'data'/write and backpressure, request
 * and response trailers) and nothing else: no routing, balancing, metrics, timeouts,
 * limits or error answers.
 */
import http2, {
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';

const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);
const WINDOW = 256 * 1024;
let upstream: ClientHttp2Session | null = null;

function session(): ClientHttp2Session {
  if (upstream === null || upstream.destroyed || upstream.closed) {
    upstream = http2.connect(`http://127.0.0.1:${upstreamPort}`, { settings: { initialWindowSize: WINDOW } });
    upstream.on('error', () => {});
  }
  return upstream;
}

function withoutPseudo(trailers: IncomingHttpHeaders | null): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  if (trailers !== null) for (const k in trailers) if (k[0] !== ':') out[k] = trailers[k];
  return out;
}

const server = http2.createServer({ settings: { initialWindowSize: WINDOW, maxConcurrentStreams: 1000 } });
server.on('stream', (down, headers, flags) => {
  const endStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
  down.on('error', () => {});
  const up = session().request(headers, endStream ? { endStream: true } : { waitForTrailers: true });
  up.on('error', () => {});
  let requestTrailers: IncomingHttpHeaders | null = null;
  let responseTrailers: IncomingHttpHeaders | null = null;
  if (!endStream) {
    down.on('trailers', (t) => {
      requestTrailers = t;
    });
    up.on('wantTrailers', () => up.sendTrailers(withoutPseudo(requestTrailers)));
    down.on('data', (chunk: Buffer) => {
      if (!up.write(chunk)) down.pause();
    });
    up.on('drain', () => down.resume());
    down.on('end', () => up.end());
  }
  up.on('response', (h, f) => {
    if ((f & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0) {
      down.respond(h, { endStream: true });
      return;
    }
    down.respond(h, { waitForTrailers: true });
    up.on('data', (chunk: Buffer) => {
      if (!down.write(chunk)) up.pause();
    });
    down.on('drain', () => up.resume());
    up.on('end', () => down.end());
  });
  up.on('trailers', (t) => {
    responseTrailers = t;
  });
  down.on('wantTrailers', () => down.sendTrailers(withoutPseudo(responseTrailers)));
  down.on('close', () => {
    if (!up.closed) up.close();
  });
});
server.listen(listenPort, '127.0.0.1', () => process.stdout.write(`listening ${listenPort}\n`));
process.on('SIGTERM', () => process.exit(0));
