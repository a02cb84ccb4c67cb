/**
 * A raw HTTP/2 client for the flood tests: frames built by hand (RFC 9113 §4.1), header
 * blocks in the simplest HPACK (indexed static entries and literals without indexing,
 * no Huffman), so a test can send what no well-behaved client would: streams reset as
 * soon as they open, header blocks that never end, SETTINGS and PING without pause.
 * Frames received are parsed only for what the tests ask: GOAWAY, and whether the
 * connection closed.
 */
import net, { type Socket } from 'node:net';

export const FrameType = {
  data: 0x0,
  headers: 0x1,
  rstStream: 0x3,
  settings: 0x4,
  ping: 0x6,
  goaway: 0x7,
  windowUpdate: 0x8,
  continuation: 0x9,
} as const;

export const Flag = { endStream: 0x1, ack: 0x1, endHeaders: 0x4 } as const;

/** RFC 9113 §7 error codes the tests look for. */
export const H2Error = { noError: 0x0, protocol: 0x1, cancel: 0x8, enhanceYourCalm: 0xb } as const;

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** One frame: 9-byte header (length, type, flags, stream id) and payload. */
export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const out = Buffer.allocUnsafe(9 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId & 0x7fffffff, 5);
  payload.copy(out, 9);
  return out;
}

/** An HPACK string literal (no Huffman), for lengths under 127. */
function literal(s: string): Buffer {
  const b = Buffer.from(s, 'latin1');
  if (b.length >= 127) throw new Error('literal too long for this encoder');
  return Buffer.concat([Buffer.from([b.length]), b]);
}

/**
 * The header block of `GET path` to `authority`: `:method GET` and `:scheme http` from
 * the static table, `:path` and `:authority` as literals without indexing (static names
 * 4 and 1), so no dynamic table state is shared between blocks.
 */
export function getHeaderBlock(authority: string, path: string): Buffer {
  return Buffer.concat([
    Buffer.from([0x82, 0x86]),
    Buffer.from([0x04]),
    literal(path),
    Buffer.from([0x01]),
    literal(authority),
  ]);
}

export function headersFrame(streamId: number, block: Buffer, flags: number): Buffer {
  return frame(FrameType.headers, flags, streamId, block);
}

export function rstStreamFrame(streamId: number, code: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(code, 0);
  return frame(FrameType.rstStream, 0, streamId, p);
}

export function settingsFrame(entries: [id: number, value: number][] = []): Buffer {
  const p = Buffer.alloc(6 * entries.length);
  entries.forEach(([id, value], i) => {
    p.writeUInt16BE(id, i * 6);
    p.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(FrameType.settings, 0, 0, p);
}

export const SETTINGS_ACK = frame(FrameType.settings, Flag.ack, 0);

export function pingFrame(n: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(n >>> 0, 4);
  return frame(FrameType.ping, 0, 0, p);
}

export function continuationFrame(streamId: number, fragment: Buffer, last: boolean): Buffer {
  return frame(FrameType.continuation, last ? Flag.endHeaders : 0, streamId, fragment);
}

/** What the peer sent, as far as the tests care. */
export interface RawH2Received {
  frames: number;
  /** The GOAWAY received, if any. */
  goaway: { lastStreamId: number; code: number } | null;
  /** Streams the peer answered with HEADERS. */
  headers: number;
  closed: boolean;
}

/**
 * A connection speaking raw frames. `open()` (a client) sends the preface and an empty
 * SETTINGS; `serve(socket)` (a server) skips the client's preface and sends an empty
 * SETTINGS. Either acknowledges the peer's SETTINGS; everything else is up to the test.
 */
export class RawH2 {
  readonly socket: Socket;
  readonly received: RawH2Received = { frames: 0, goaway: null, headers: 0, closed: false };
  #buf: Buffer = Buffer.alloc(0);
  /** Bytes of the client preface still to skip (server side). */
  #preface: number;

  private constructor(socket: Socket, server: boolean) {
    this.socket = socket;
    this.#preface = server ? PREFACE.length : 0;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.received.closed = true;
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawH2> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => {
        socket.off('error', reject);
        const c = new RawH2(socket, false);
        socket.write(Buffer.concat([PREFACE, settingsFrame()]));
        resolve(c);
      });
      socket.once('error', reject);
    });
  }

  /** Takes an accepted connection as an HTTP/2 server would. */
  static serve(socket: Socket): RawH2 {
    const s = new RawH2(socket, true);
    socket.write(settingsFrame());
    return s;
  }

  /**
   * Writes `next()` batches, one per turn of the event loop (or one every `paceMs`),
   * until it returns null, the connection closes or `ms` pass, honouring the socket's
   * backpressure (a server that stops reading stops the flood).
   * Resolves with the number of batches written.
   */
  async flood(next: (i: number) => Buffer | null, ms: number, paceMs = 0): Promise<number> {
    const until = Date.now() + ms;
    let i = 0;
    while (!this.received.closed && !this.socket.destroyed && Date.now() < until) {
      const batch = next(i);
      if (batch === null) break;
      i++;
      if (!this.socket.write(batch)) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.max(0, until - Date.now()));
          function done(): void {
            clearTimeout(timer);
            resolve();
          }
          this.socket.once('drain', done);
          this.socket.once('close', done);
        });
      } else if (paceMs > 0) {
        await new Promise((r) => setTimeout(r, paceMs));
      } else {
        // one batch per turn of the event loop: the peer's answers (and a GOAWAY) come in
        await new Promise((r) => setImmediate(r));
      }
    }
    return i;
  }

  /** Resolves once the connection closed, or after `ms`; true when it closed. */
  waitClosed(ms: number): Promise<boolean> {
    if (this.received.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#preface > 0) {
      const skip = Math.min(this.#preface, chunk.length);
      this.#preface -= skip;
      chunk = chunk.subarray(skip);
    }
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    let buf = this.#buf;
    while (buf.length >= 9) {
      const len = buf.readUIntBE(0, 3);
      if (buf.length < 9 + len) break;
      const type = buf[3] as number;
      const flags = buf[4] as number;
      const payload = buf.subarray(9, 9 + len);
      this.received.frames++;
      if (type === FrameType.settings && (flags & Flag.ack) === 0) this.socket.write(SETTINGS_ACK);
      else if (type === FrameType.headers) this.received.headers++;
      else if (type === FrameType.goaway && len >= 8) {
        this.received.goaway = {
          lastStreamId: payload.readUInt32BE(0) & 0x7fffffff,
          code: payload.readUInt32BE(4),
        };
      }
      buf = buf.subarray(9 + len);
    }
    this.#buf = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
  }
}
