/**
 * An incremental HTTP/2 frame reader: fed socket chunks as they come, it cuts them into
 * frames, checks each frame's own rules (RFC 9113 section 6: sizes, stream 0 or not,
 * padding, flags) and calls its handler once per frame. Header blocks split over
 * CONTINUATION frames are assembled (bounded in bytes and in frames) before the handler
 * sees them. Unknown frame types are skipped; PRIORITY frames are checked and dropped.
 *
 * Payloads handed to the handler are views of the chunk (or, for a frame split across
 * chunks, of a buffer allocated for that frame alone): they stay valid after the call, so
 * DATA can be written onward without a copy. Connection errors are thrown as H2Error;
 * stream errors found at this level go to `onStreamError` and reading goes on. Stream
 * states and flow-control windows are the connection's business, not the reader's.
 */

import {
  ENHANCE_YOUR_CALM,
  FLOW_CONTROL_ERROR,
  FRAME_SIZE_ERROR,
  H2Error,
  PROTOCOL_ERROR,
} from './errors.ts';
import {
  CLIENT_PREFACE,
  CONTINUATION,
  DATA,
  DEFAULT_MAX_FRAME_SIZE,
  FLAG_ACK,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FLAG_PADDED,
  FLAG_PRIORITY,
  FRAME_HEADER_LENGTH,
  GOAWAY,
  HEADERS,
  MAX_FRAME_SIZE_LIMIT,
  MAX_WINDOW,
  PING,
  PRIORITY,
  PUSH_PROMISE,
  RST_STREAM,
  SETTINGS,
  SETTINGS_ENABLE_PUSH,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_FRAME_SIZE,
  WINDOW_UPDATE,
} from './frame-types.ts';

/** What a connection does with the frames read. */
export interface FrameHandler {
  /** `data` without padding; `flowLength` is the whole payload, as flow control counts it. */
  onData(streamId: number, data: Buffer, endStream: boolean, flowLength: number): void;
  /** A complete header block (CONTINUATIONs assembled), without padding or priority. */
  onHeaders(streamId: number, block: Buffer, endStream: boolean): void;
  onRstStream(streamId: number, code: number): void;
  /** Settings as (identifier, value) pairs, values checked; `ack` frames carry none. */
  onSettings(ack: boolean, settings: readonly number[]): void;
  onPing(ack: boolean, opaque: Buffer): void;
  onGoaway(lastStreamId: number, code: number, debug: Buffer): void;
  onWindowUpdate(streamId: number, increment: number): void;
  /** A frame broke a rule that only spoils its stream: reset that stream with `code`. */
  onStreamError(streamId: number, code: number): void;
}

export interface FrameReaderOptions {
  /** Read the client preface first (the server side of a connection). */
  server: boolean;
  /** Our SETTINGS_MAX_FRAME_SIZE (default 16384). */
  maxFrameSize?: number;
  /** Largest header block assembled from HEADERS + CONTINUATION (default 65536). */
  maxHeaderBlock?: number;
  /** Most CONTINUATION frames in one header block (default 32). */
  maxContinuations?: number;
}

export class FrameReader {
  private readonly handler: FrameHandler;
  private readonly maxFrameSize: number;
  private readonly maxHeaderBlock: number;
  private readonly maxContinuations: number;
  /** Bytes of the client preface still to read (0 once read, or on the client side). */
  private prefaceLeft: number;
  /** The peer's first frame must be SETTINGS. */
  private settingsSeen = false;
  /** A frame split across chunks: its header so far, then the whole frame. */
  private readonly head = Buffer.alloc(FRAME_HEADER_LENGTH);
  private headLength = 0;
  private partial: Buffer | null = null;
  private partialLength = 0;
  /** A header block waiting for CONTINUATION frames (stream id, or 0 when none). */
  private blockStream = 0;
  private blockEndStream = false;
  private blockParts: Buffer[] = [];
  private blockLength = 0;
  private readonly settings: number[] = [];

  constructor(handler: FrameHandler, options: FrameReaderOptions) {
    this.handler = handler;
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.maxHeaderBlock = options.maxHeaderBlock ?? 65536;
    this.maxContinuations = options.maxContinuations ?? 32;
    this.prefaceLeft = options.server ? CLIENT_PREFACE.length : 0;
  }

  /** Reads a chunk from the socket; throws H2Error on a connection error. */
  push(chunk: Buffer): void {
    let pos = 0;
    const end = chunk.length;
    if (this.prefaceLeft > 0) pos = this.readPreface(chunk);
    if (this.headLength > 0 || this.partial !== null) pos = this.continuePartial(chunk, pos);
    while (end - pos >= FRAME_HEADER_LENGTH) {
      const length =
        ((chunk[pos] as number) << 16) | ((chunk[pos + 1] as number) << 8) | (chunk[pos + 2] as number);
      if (length > this.maxFrameSize) throw new H2Error(FRAME_SIZE_ERROR, `frame of ${length} octets`);
      if (end - pos - FRAME_HEADER_LENGTH < length) break;
      this.frame(chunk, pos, length);
      pos += FRAME_HEADER_LENGTH + length;
    }
    if (pos < end) this.startPartial(chunk, pos);
  }

  private readPreface(chunk: Buffer): number {
    const offset = CLIENT_PREFACE.length - this.prefaceLeft;
    const n = Math.min(this.prefaceLeft, chunk.length);
    if (chunk.compare(CLIENT_PREFACE, offset, offset + n, 0, n) !== 0) {
      throw new H2Error(PROTOCOL_ERROR, 'not the HTTP/2 client preface');
    }
    this.prefaceLeft -= n;
    return n;
  }

  /** Keeps the tail of a chunk that holds less than a whole frame. */
  private startPartial(chunk: Buffer, pos: number): void {
    const left = chunk.length - pos;
    if (left < FRAME_HEADER_LENGTH) {
      chunk.copy(this.head, 0, pos);
      this.headLength = left;
      return;
    }
    const length = chunk.readUIntBE(pos, 3);
    this.partial = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + length);
    this.partialLength = chunk.copy(this.partial, 0, pos);
  }

  /** Completes a split frame from the start of `chunk`; returns where whole frames begin. */
  private continuePartial(chunk: Buffer, pos: number): number {
    if (this.partial === null) {
      const n = Math.min(FRAME_HEADER_LENGTH - this.headLength, chunk.length - pos);
      chunk.copy(this.head, this.headLength, pos, pos + n);
      this.headLength += n;
      pos += n;
      if (this.headLength < FRAME_HEADER_LENGTH) return pos;
      const length = this.head.readUIntBE(0, 3);
      if (length > this.maxFrameSize) throw new H2Error(FRAME_SIZE_ERROR, `frame of ${length} octets`);
      this.partial = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + length);
      this.head.copy(this.partial, 0);
      this.partialLength = FRAME_HEADER_LENGTH;
      this.headLength = 0;
    }
    const frame = this.partial;
    const n = Math.min(frame.length - this.partialLength, chunk.length - pos);
    chunk.copy(frame, this.partialLength, pos, pos + n);
    this.partialLength += n;
    pos += n;
    if (this.partialLength < frame.length) return pos;
    this.partial = null;
    this.frame(frame, 0, frame.length - FRAME_HEADER_LENGTH);
    return pos;
  }

  /** One whole frame: header at `buf[pos]`, `length` payload octets after it. */
  private frame(buf: Buffer, pos: number, length: number): void {
    const type = buf[pos + 3] as number;
    const flags = buf[pos + 4] as number;
    const streamId = buf.readUInt32BE(pos + 5) & 0x7fffffff;
    const start = pos + FRAME_HEADER_LENGTH;
    if (!this.settingsSeen) {
      if (type !== SETTINGS || (flags & FLAG_ACK) !== 0)
        throw new H2Error(PROTOCOL_ERROR, 'first frame is not SETTINGS');
      this.settingsSeen = true;
    }
    if (this.blockStream !== 0 && type !== CONTINUATION) {
      throw new H2Error(PROTOCOL_ERROR, 'header block interrupted by another frame');
    }
    switch (type) {
      case DATA:
        this.data(buf, start, length, flags, streamId);
        return;
      case HEADERS:
        this.headers(buf, start, length, flags, streamId);
        return;
      case CONTINUATION:
        this.continuation(buf, start, length, flags, streamId);
        return;
      case PRIORITY:
        if (streamId === 0) throw new H2Error(PROTOCOL_ERROR, 'PRIORITY on stream 0');
        if (length !== 5) this.handler.onStreamError(streamId, FRAME_SIZE_ERROR);
        return;
      case RST_STREAM:
        if (streamId === 0) throw new H2Error(PROTOCOL_ERROR, 'RST_STREAM on stream 0');
        if (length !== 4) throw new H2Error(FRAME_SIZE_ERROR, 'RST_STREAM not 4 octets');
        this.handler.onRstStream(streamId, buf.readUInt32BE(start));
        return;
      case SETTINGS:
        this.settingsFrame(buf, start, length, flags, streamId);
        return;
      case PUSH_PROMISE:
        // we never enable push: a server must not send it, a client cannot
        throw new H2Error(PROTOCOL_ERROR, 'PUSH_PROMISE with push disabled');
      case PING:
        if (streamId !== 0) throw new H2Error(PROTOCOL_ERROR, 'PING on a stream');
        if (length !== 8) throw new H2Error(FRAME_SIZE_ERROR, 'PING not 8 octets');
        this.handler.onPing((flags & FLAG_ACK) !== 0, buf.subarray(start, start + 8));
        return;
      case GOAWAY:
        if (streamId !== 0) throw new H2Error(PROTOCOL_ERROR, 'GOAWAY on a stream');
        if (length < 8) throw new H2Error(FRAME_SIZE_ERROR, 'GOAWAY under 8 octets');
        this.handler.onGoaway(
          buf.readUInt32BE(start) & 0x7fffffff,
          buf.readUInt32BE(start + 4),
          buf.subarray(start + 8, start + length),
        );
        return;
      case WINDOW_UPDATE:
        this.windowUpdate(buf, start, length, streamId);
        return;
      default:
        return; // unknown types are ignored (RFC 9113 section 4.1)
    }
  }

  /** Start and end of the payload once padding is removed; throws on bad padding. */
  private unpad(buf: Buffer, start: number, length: number, flags: number): number {
    if ((flags & FLAG_PADDED) === 0) return start + length;
    if (length < 1) throw new H2Error(FRAME_SIZE_ERROR, 'padded frame without a pad length');
    const pad = buf[start] as number;
    if (pad >= length) throw new H2Error(PROTOCOL_ERROR, 'padding longer than the payload');
    return start + length - pad;
  }

  private data(buf: Buffer, start: number, length: number, flags: number, streamId: number): void {
    if (streamId === 0) throw new H2Error(PROTOCOL_ERROR, 'DATA on stream 0');
    const end = this.unpad(buf, start, length, flags);
    const from = (flags & FLAG_PADDED) !== 0 ? start + 1 : start;
    this.handler.onData(streamId, buf.subarray(from, end), (flags & FLAG_END_STREAM) !== 0, length);
  }

  private headers(buf: Buffer, start: number, length: number, flags: number, streamId: number): void {
    if (streamId === 0) throw new H2Error(PROTOCOL_ERROR, 'HEADERS on stream 0');
    const end = this.unpad(buf, start, length, flags);
    let from = (flags & FLAG_PADDED) !== 0 ? start + 1 : start;
    if ((flags & FLAG_PRIORITY) !== 0) {
      if (end - from < 5) throw new H2Error(FRAME_SIZE_ERROR, 'HEADERS too short for its priority');
      from += 5;
    }
    const endStream = (flags & FLAG_END_STREAM) !== 0;
    if ((flags & FLAG_END_HEADERS) !== 0) {
      this.handler.onHeaders(streamId, buf.subarray(from, end), endStream);
      return;
    }
    if (end - from > this.maxHeaderBlock) throw new H2Error(ENHANCE_YOUR_CALM, 'header block too large');
    this.blockStream = streamId;
    this.blockEndStream = endStream;
    this.blockParts = [Buffer.from(buf.subarray(from, end))];
    this.blockLength = end - from;
  }

  private continuation(buf: Buffer, start: number, length: number, flags: number, streamId: number): void {
    if (this.blockStream === 0 || streamId !== this.blockStream) {
      throw new H2Error(PROTOCOL_ERROR, 'CONTINUATION without the header block it continues');
    }
    this.blockLength += length;
    if (this.blockLength > this.maxHeaderBlock || this.blockParts.length > this.maxContinuations) {
      throw new H2Error(ENHANCE_YOUR_CALM, 'header block too large');
    }
    this.blockParts.push(buf.subarray(start, start + length));
    if ((flags & FLAG_END_HEADERS) === 0) return;
    const block = Buffer.concat(this.blockParts, this.blockLength);
    this.blockStream = 0;
    this.blockParts = [];
    this.handler.onHeaders(streamId, block, this.blockEndStream);
  }

  private settingsFrame(buf: Buffer, start: number, length: number, flags: number, streamId: number): void {
    if (streamId !== 0) throw new H2Error(PROTOCOL_ERROR, 'SETTINGS on a stream');
    if ((flags & FLAG_ACK) !== 0) {
      if (length !== 0) throw new H2Error(FRAME_SIZE_ERROR, 'SETTINGS ack with a payload');
      this.handler.onSettings(true, EMPTY_SETTINGS);
      return;
    }
    if (length % 6 !== 0) throw new H2Error(FRAME_SIZE_ERROR, 'SETTINGS not a multiple of 6 octets');
    const settings = this.settings;
    settings.length = 0;
    for (let p = start; p < start + length; p += 6) {
      const id = buf.readUInt16BE(p);
      const value = buf.readUInt32BE(p + 2);
      if (id === SETTINGS_ENABLE_PUSH && value > 1)
        throw new H2Error(PROTOCOL_ERROR, 'ENABLE_PUSH not 0 or 1');
      if (id === SETTINGS_INITIAL_WINDOW_SIZE && value > MAX_WINDOW) {
        throw new H2Error(FLOW_CONTROL_ERROR, 'INITIAL_WINDOW_SIZE past 2^31-1');
      }
      if (
        id === SETTINGS_MAX_FRAME_SIZE &&
        (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_FRAME_SIZE_LIMIT)
      ) {
        throw new H2Error(PROTOCOL_ERROR, 'MAX_FRAME_SIZE out of range');
      }
      settings.push(id, value);
    }
    this.handler.onSettings(false, settings);
  }

  private windowUpdate(buf: Buffer, start: number, length: number, streamId: number): void {
    if (length !== 4) throw new H2Error(FRAME_SIZE_ERROR, 'WINDOW_UPDATE not 4 octets');
    const increment = buf.readUInt32BE(start) & 0x7fffffff;
    if (increment === 0) {
      if (streamId === 0) throw new H2Error(PROTOCOL_ERROR, 'WINDOW_UPDATE of 0 on the connection');
      this.handler.onStreamError(streamId, PROTOCOL_ERROR);
      return;
    }
    this.handler.onWindowUpdate(streamId, increment);
  }
}

const EMPTY_SETTINGS: readonly number[] = [];
