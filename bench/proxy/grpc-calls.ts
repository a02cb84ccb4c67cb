/**
 * The gRPC calls of the HTTP/2 benchmark, shared by its upstream (`upstream-h2.ts`) and
 * its load (`h2.ts`): their paths, the messages on the wire, and how many messages a
 * server-streaming call answers with.
 */

export const UNARY_PATH = '/weft.bench.Echo/Unary';
export const STREAM_PATH = '/weft.bench.Echo/Stream';
/** Messages a server-streaming call answers with. */
export const STREAM_MESSAGES = 50;

/** A gRPC message frame: no compression, a 4-byte length, then `size` bytes of payload. */
export function grpcMessage(size: number): Buffer {
  const out = Buffer.alloc(5 + size, 0x61);
  out[0] = 0;
  out.writeUInt32BE(size, 1);
  return out;
}
