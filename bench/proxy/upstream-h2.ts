/**
 * The HTTP/2 benchmark upstream: a `node:http2` server (h2c) that answers every request
 * the way a gRPC unary call is answered: headers, a small length-prefixed message, then
 * `grpc-status: 0` in the trailers. `node --import tsx upstream-h2.ts PORT`.
 */
import http2, { type ServerHttp2Stream } from 'node:http2';

const port = Number(process.argv[2] ?? 0);
// A gRPC message frame: no compression, 4-byte length, then 20 bytes of payload.
const MESSAGE = Buffer.concat([Buffer.from([0, 0, 0, 0, 20]), Buffer.alloc(20, 0x61)]);
const HEADERS = { ':status': 200, 'content-type': 'application/grpc' };
const TRAILERS = { 'grpc-status': '0' };

function sendTrailers(this: ServerHttp2Stream): void {
  this.sendTrailers(TRAILERS);
}

const server = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
server.on('stream', (stream) => {
  stream.on('error', () => {});
  stream.respond(HEADERS, { waitForTrailers: true });
  stream.on('wantTrailers', sendTrailers);
  stream.end(MESSAGE);
});
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
