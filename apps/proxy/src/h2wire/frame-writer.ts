/**
 * HTTP/2 frame writer for one connection: frames are staged in a buffer shared by the
 * frames of one turn and leave in one socket write (a writev when large DATA payloads go
 * by reference) at the end of the microtask queue, instead of one write per frame. Header
 * blocks larger than the peer's SETTINGS_MAX_FRAME_SIZE are split into CONTINUATION
 * frames; DATA payloads are the caller's to keep within it and within the flow-control
 * windows. Staged bytes are bounded by what the caller writes in one turn. The stage is
 * reused from its start whenever the socket took every byte at once (the usual case), so a
 * busy connection does not leave a trail of 64 KB buffers for the garbage collector.
 */

import {
  CONTINUATION,
  DATA,
  DEFAULT_MAX_FRAME_SIZE,
  FLAG_ACK,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FRAME_HEADER_LENGTH,
  GOAWAY,
  HEADERS,
  PING,
  RST_STREAM,
  SETTINGS,
  WINDOW_UPDATE,
} from './frame-types.ts';

/** Where frames go: a net.Socket fits. */
export interface FrameSink {
  /** Octets written but not yet handed to the kernel (0: every written buffer is free again). */
  readonly writableLength: number;
  write(chunk: Buffer): boolean;
  cork(): void;
  uncork(): void;
}

const STAGE_SIZE = 64 * 1024;
/** DATA payloads up to this size are copied into the stage; larger ones go by reference. */
const COPY_LIMIT = 2048;

export class FrameWriter {
  /** The peer's SETTINGS_MAX_FRAME_SIZE. */
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  private readonly sink: FrameSink;
  private stage = Buffer.allocUnsafe(STAGE_SIZE);
  private start = 0;
  private pos = 0;
  private readonly pending: Buffer[] = [];
  private scheduled = false;
  private readonly flushTask: () => void;

  constructor(sink: FrameSink) {
    this.sink = sink;
    this.flushTask = () => {
      this.scheduled = false;
      this.flush();
    };
  }

  /** SETTINGS with (identifier, value) pairs. */
  settings(pairs: readonly number[]): void {
    const at = this.frameHeader((pairs.length / 2) * 6, SETTINGS, 0, 0);
    const stage = this.stage;
    for (let i = 0, p = at; i < pairs.length; i += 2, p += 6) {
      stage.writeUInt16BE(pairs[i] as number, p);
      stage.writeUInt32BE(pairs[i + 1] as number, p + 2);
    }
    this.pos = at + pairs.length * 3;
  }

  settingsAck(): void {
    this.pos = this.frameHeader(0, SETTINGS, FLAG_ACK, 0);
  }

  ping(ack: boolean, opaque: Buffer): void {
    const at = this.frameHeader(8, PING, ack ? FLAG_ACK : 0, 0);
    opaque.copy(this.stage, at, 0, 8);
    this.pos = at + 8;
  }

  goaway(lastStreamId: number, code: number): void {
    const at = this.frameHeader(8, GOAWAY, 0, 0);
    this.stage.writeUInt32BE(lastStreamId, at);
    this.stage.writeUInt32BE(code, at + 4);
    this.pos = at + 8;
  }

  windowUpdate(streamId: number, increment: number): void {
    const at = this.frameHeader(4, WINDOW_UPDATE, 0, streamId);
    this.stage.writeUInt32BE(increment, at);
    this.pos = at + 4;
  }

  rstStream(streamId: number, code: number): void {
    const at = this.frameHeader(4, RST_STREAM, 0, streamId);
    this.stage.writeUInt32BE(code, at);
    this.pos = at + 4;
  }

  /** HEADERS (then CONTINUATIONs as needed) carrying `block[from..to)`. */
  headers(streamId: number, block: Buffer, from: number, to: number, endStream: boolean): void {
    let type = HEADERS;
    let flags = endStream ? FLAG_END_STREAM : 0;
    do {
      const n = Math.min(to - from, this.maxFrameSize);
      const last = from + n === to;
      const at = this.frameHeader(n, type, last ? flags | FLAG_END_HEADERS : flags, streamId);
      block.copy(this.stage, at, from, from + n);
      this.pos = at + n;
      from += n;
      type = CONTINUATION;
      flags = 0;
    } while (from < to);
  }

  /** One DATA frame; `payload` must fit the peer's frame size and windows. */
  data(streamId: number, payload: Buffer, endStream: boolean): void {
    const n = payload.length;
    const flags = endStream ? FLAG_END_STREAM : 0;
    if (n <= COPY_LIMIT) {
      const at = this.frameHeader(n, DATA, flags, streamId);
      payload.copy(this.stage, at);
      this.pos = at + n;
      return;
    }
    this.pos = this.frameHeader(n, DATA, flags, streamId);
    this.cut();
    this.pending.push(payload);
  }

  /** Writes what is staged now; returns the socket's answer (false: its buffer is full). */
  flush(): boolean {
    this.cut();
    const pending = this.pending;
    if (pending.length === 0) return true;
    let ok: boolean;
    if (pending.length === 1) ok = this.sink.write(pending[0] as Buffer);
    else {
      this.sink.cork();
      ok = true;
      for (const b of pending) ok = this.sink.write(b);
      this.sink.uncork();
    }
    pending.length = 0;
    // all handed to the kernel: nothing refers to the stage's bytes any more
    if (this.sink.writableLength === 0) this.start = this.pos = 0;
    return ok;
  }

  /** Writes a frame header for `length` payload octets (room reserved); returns the payload offset. */
  private frameHeader(length: number, type: number, flags: number, streamId: number): number {
    if (this.pos + FRAME_HEADER_LENGTH + length > this.stage.length) {
      this.cut();
      this.stage = Buffer.allocUnsafe(Math.max(STAGE_SIZE, FRAME_HEADER_LENGTH + length));
      this.start = 0;
      this.pos = 0;
    }
    const stage = this.stage;
    const p = this.pos;
    stage[p] = length >>> 16;
    stage[p + 1] = (length >>> 8) & 0xff;
    stage[p + 2] = length & 0xff;
    stage[p + 3] = type;
    stage[p + 4] = flags;
    stage.writeUInt32BE(streamId, p + 5);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flushTask);
    }
    return p + FRAME_HEADER_LENGTH;
  }

  /** Moves the staged bytes to the pending writes (the stage's used part is never rewritten). */
  private cut(): void {
    if (this.pos > this.start) {
      this.pending.push(this.stage.subarray(this.start, this.pos));
      this.start = this.pos;
    }
  }
}
