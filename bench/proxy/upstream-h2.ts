/**
 * The HTTP/2 benchmark upstream: a `node:http2` server (h2c) answering the way a gRPC
 * server does. `node --import tsx upstream-h2.ts PORT`.
 *
 * - `/weft.bench.Echo/Stream` (server streaming): reads the request, then sends
 *   `STREAM_MESSAGES` length-prefixed messages, one per event-loop turn, and `grpc-status: 0`
 *   in the trailers.
 * - any other path (a unary call; h2load's `/` too): reads the request, then sends one
 *   small length-prefixed message and `grpc-status: 0` in the trailers.
 */
import http2, { type ServerHttp2Stream } from 'node:http2';
import { grpcMessage, STREAM_MESSAGES, STREAM_PATH } from './grpc-calls.ts';

const port = Number(process.argv[2] ?? 0);
const MESSAGE = grpcMessage(20);
const HEADERS = { ':status': 200, 'content-type': 'application/grpc' };
const TRAILERS = { 'grpc-status': '0' };

function sendTrailers(this: ServerHttp2Stream): void {
  this.sendTrailers(TRAILERS);
}

function answerUnary(this: ServerHttp2Stream): void {
  if (this.destroyed) return;
  this.respond(HEADERS, { waitForTrailers: true });
  this.end(MESSAGE);
}

function answerStream(this: ServerHttp2Stream): void {
  if (this.destroyed) return;
  this.respond(HEADERS, { waitForTrailers: true });
  writeMessages(this, STREAM_MESSAGES);
}

/**
 * One message per turn of the event loop, as a server producing them one by one sends
 * them: each leaves in its own DATA frame instead of being coalesced with the next.
 */
function writeMessages(stream: ServerHttp2Stream, left: number): void {
  if (stream.destroyed) return;
  if (left <= 1) {
    stream.end(MESSAGE);
    return;
  }
  stream.write(MESSAGE);
  setImmediate(writeMessages, stream, left - 1);
}

const server = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
server.on('stream', (stream, headers) => {
  stream.on('error', () => {});
  stream.on('wantTrailers', sendTrailers);
  // the request is read to its end before the answer, as a gRPC server does
  stream.on('end', headers[':path'] === STREAM_PATH ? answerStream : answerUnary);
  stream.resume();
});
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
