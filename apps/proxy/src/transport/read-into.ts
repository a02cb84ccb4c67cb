/**
 * Zero-allocation reads on accepted connections. Node gives `onread` (reads into a
 * caller's buffer, handed to a callback instead of `'data'`) only to sockets it creates
 * itself with `connect`; an accepted socket (and a TLS socket terminated on one) reads
 * into a fresh buffer per read and goes through the stream machinery. `readInto` switches
 * such a socket to Node's own `onread` mode, as `new net.Socket({ onread })` would set it up.
 * Over TLS a pause does not stop the read in progress: the records already received are
 * still decrypted and handed to the reader, which must take them.
 *
 * All switched sockets read into ONE shared buffer: a read is consumed synchronously by
 * its reader, and nothing may keep a view of the buffer past the callback (whatever is
 * kept, a request body slice queued for an endpoint, bytes held back, is copied first:
 * `isShared`). So idle connections cost no buffer at all.
 *
 * A socket whose reader let go of it (a hand-off to a WebSocket or CONNECT relay) goes on
 * in the usual way: each read is copied and pushed into the stream, so `'data'`, pause
 * and resume behave as on any socket. The switch is one-way (Node cannot undo it).
 */
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/** What reads a switched socket synchronously. */
export interface SocketReader {
  /** `buf` holds the read: a view of the shared buffer, valid only during the call. */
  onRead(buf: Buffer): void;
}

/** Size of the shared read buffer (what Node offers a read by default). */
const READ_BUFFER = 64 * 1024;
const shared = Buffer.allocUnsafeSlow(READ_BUFFER);

const kReader = Symbol('weft.reader');
type ReadSocket = Socket & { [kReader]?: SocketReader | null };

/** Node's private symbols behind `onread`, found on a socket once; null if this Node has none. */
interface OnreadKeys {
  buffer: symbol;
  callback: symbol;
  gen: symbol;
}
let keys: OnreadKeys | null | undefined;

function onreadKeys(): OnreadKeys | null {
  if (keys !== undefined) return keys;
  const probe = new Socket();
  const find = (name: string) => Object.getOwnPropertySymbols(probe).find((s) => s.description === name);
  const buffer = find('kBuffer');
  const callback = find('kBufferCb');
  const gen = find('kBufferGen');
  const p = probe as unknown as Record<symbol, unknown>;
  keys =
    buffer !== undefined &&
    callback !== undefined &&
    gen !== undefined &&
    p[buffer] === null &&
    p[callback] === null &&
    p[gen] === null
      ? { buffer, callback, gen }
      : null;
  probe.destroy();
  return keys;
}

/** Whether `b` is a view of the shared read buffer (so must be copied to be kept). */
export function isShared(b: Buffer): boolean {
  return b.buffer === shared.buffer;
}

/**
 * Switches `socket` to reads into the shared buffer, handed to `reader`. Only a TCP or
 * TLS socket with a native handle (not a tunnel) that is not in `onread` mode qualifies;
 * returns false, changing nothing, otherwise (the caller then gets `'data'` as usual).
 * Safe at any point of the socket's life: it takes effect from the next read on.
 */
export function readInto(socket: Socket, reader: SocketReader): boolean {
  const k = onreadKeys();
  const s = socket as ReadSocket & Record<symbol, unknown>;
  const handle = (socket as Socket & { _handle?: { useUserBuffer?: (b: Buffer) => void } | null })._handle;
  if (
    k === null ||
    (socket.constructor !== Socket && !(socket instanceof TLSSocket)) ||
    socket.destroyed ||
    typeof handle?.useUserBuffer !== 'function' ||
    s[k.buffer] !== null
  )
    return false;
  s[kReader] = reader;
  s[k.buffer] = shared;
  s[k.callback] = onSharedRead;
  handle.useUserBuffer(shared);
  return true;
}

/** The reader of a switched socket lets go of it: reads become `'data'` again. */
export function releaseReader(socket: Socket): void {
  const s = socket as ReadSocket;
  if (s[kReader] !== undefined) s[kReader] = null;
}

/** Node's `onread` callback (`this` is the socket); false stops reading (backpressure). */
function onSharedRead(this: ReadSocket, nread: number, buf: Buffer): boolean {
  const r = this[kReader];
  if (r !== null && r !== undefined) {
    r.onRead(buf.subarray(0, nread));
    return true;
  }
  return this.push(Buffer.from(buf.subarray(0, nread)));
}
