/**
 * One HTTP/2 connection of the h2wire relay (conns.ts), either side: the socket, frame
 * reader and writer, HPACK codec, SETTINGS, PING, connection-level flow control both
 * ways, and the table of relayed streams by this connection's stream ids.
 * What a new stream means differs by side (`DownConn` accepts them, `UpConn` opens them);
 * the rest is here. Protocol errors close the connection with GOAWAY and the error code.
 */

import type net from 'node:net';
import { CANCEL, FLOW_CONTROL_ERROR, H2Error, INTERNAL_ERROR, PROTOCOL_ERROR } from '../errors.ts';
import { type FrameHandler, FrameReader } from '../frame-reader.ts';
import {
  DEFAULT_WINDOW,
  MAX_WINDOW,
  SETTINGS_HEADER_TABLE_SIZE,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_FRAME_SIZE,
} from '../frame-types.ts';
import { FrameWriter } from '../frame-writer.ts';
import { HpackDecoder } from '../hpack-decoder.ts';
import { HpackEncoder } from '../hpack-encoder.ts';
import { CONN_WINDOW, MAX_HEADER_LIST, STREAM_WINDOW } from '../local-settings.ts';
import type { Half, Relay } from './relay.ts';

/** Header blocks are encoded here (one at a time; the writer copies them out). */
const BLOCK = Buffer.allocUnsafe(MAX_HEADER_LIST + 1024);

export abstract class WireConn implements FrameHandler {
  readonly socket: net.Socket;
  readonly reader: FrameReader;
  readonly writer: FrameWriter;
  readonly decoder = new HpackDecoder({ maxHeaderListSize: MAX_HEADER_LIST });
  readonly encoder = new HpackEncoder();
  /** Relayed streams by this connection's stream id. */
  readonly streams = new Map<number, Relay>();
  /** Halves sending to this connection that wait for its connection window. */
  readonly blocked: Half[] = [];
  /** The peer's settings that matter here. */
  peerInitialWindow = DEFAULT_WINDOW;
  peerMaxConcurrent = Number.POSITIVE_INFINITY;
  /** Connection-level windows: what we may send, what the peer may still send us. */
  sendWindow = DEFAULT_WINDOW;
  private recvWindow = CONN_WINDOW;
  private unacked = 0;
  /** Highest stream id the peer opened (for GOAWAY). */
  lastPeerStream = 0;
  closed = false;
  /** Header fields of the block being handled (reused; copied when kept). */
  private readonly fields: string[] = [];

  constructor(socket: net.Socket, server: boolean) {
    this.socket = socket;
    this.reader = new FrameReader(this, { server, maxHeaderBlock: MAX_HEADER_LIST });
    this.writer = new FrameWriter(socket);
    socket.setNoDelay(true);
    socket.on('data', this.onChunk.bind(this));
    socket.on('error', () => {});
    socket.on('close', this.onClose.bind(this));
  }

  /** Our SETTINGS and connection window, first thing on the connection. */
  protected greet(settings: number[]): void {
    this.writer.settings([SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW, ...settings]);
    this.writer.windowUpdate(0, CONN_WINDOW - DEFAULT_WINDOW);
  }

  /** A header block on `id`, decoded into `fields` (valid during the call only). */
  protected abstract headers(
    id: number,
    fields: string[],
    neverIndexed: readonly number[],
    end: boolean,
  ): void;

  /** Is `id` a stream that was never opened (frames on it are a protocol error)? */
  protected abstract idle(id: number): boolean;

  /** Encodes and writes a header block on `id`. */
  sendHeaders(
    id: number,
    fields: readonly string[],
    neverIndexed: readonly number[] | null,
    end: boolean,
  ): void {
    const n = this.encoder.encode(fields, neverIndexed, BLOCK, 0);
    this.writer.headers(id, BLOCK, 0, n, end);
  }

  /** Gives back connection-level credit for `n` octets the peer sent that we are done with. */
  credit(n: number): void {
    this.unacked += n;
    if (this.unacked >= CONN_WINDOW / 2) {
      this.writer.windowUpdate(0, this.unacked);
      this.recvWindow += this.unacked;
      this.unacked = 0;
    }
  }

  /** Closes the connection on an error: GOAWAY with its code, then the socket. */
  fail(err: unknown): void {
    if (this.closed) return;
    const code = err instanceof H2Error ? err.code : INTERNAL_ERROR;
    this.writer.goaway(this.lastPeerStream, code);
    this.writer.flush();
    this.socket.end();
    this.onClose();
  }

  private onChunk(chunk: Buffer): void {
    try {
      this.reader.push(chunk);
    } catch (err) {
      this.fail(err);
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const relay of [...this.streams.values()]) relay.reset(this, CANCEL);
    this.streams.clear();
  }

  onHeaders(id: number, block: Buffer, end: boolean): void {
    const fields = this.fields;
    fields.length = 0;
    this.decoder.decode(block, 0, block.length, fields);
    this.headers(id, fields, this.decoder.neverIndexed, end);
  }

  onData(id: number, data: Buffer, end: boolean, flowLength: number): void {
    this.recvWindow -= flowLength;
    if (this.recvWindow < 0) throw new H2Error(FLOW_CONTROL_ERROR, 'peer sent past the connection window');
    const relay = this.streams.get(id);
    if (relay === undefined) {
      if (this.idle(id)) throw new H2Error(PROTOCOL_ERROR, `DATA on the idle stream ${id}`);
      this.credit(flowLength); // a stream already reset: counted, then dropped
      return;
    }
    relay.halfFrom(this).data(data, end, flowLength);
  }

  onRstStream(id: number, code: number): void {
    const relay = this.streams.get(id);
    if (relay !== undefined) relay.reset(this, code);
  }

  onStreamError(id: number, code: number): void {
    this.writer.rstStream(id, code);
    const relay = this.streams.get(id);
    if (relay !== undefined) relay.reset(this, code);
  }

  onSettings(ack: boolean, settings: readonly number[]): void {
    if (ack) return;
    for (let i = 0; i < settings.length; i += 2) {
      const id = settings[i] as number;
      const value = settings[i + 1] as number;
      if (id === SETTINGS_HEADER_TABLE_SIZE) this.encoder.setPeerMaxTableSize(value);
      else if (id === SETTINGS_MAX_FRAME_SIZE) this.writer.maxFrameSize = value;
      else if (id === SETTINGS_MAX_CONCURRENT_STREAMS) this.peerMaxConcurrent = value;
      else if (id === SETTINGS_INITIAL_WINDOW_SIZE) {
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const relay of this.streams.values()) relay.halfTo(this).addWindow(delta);
      }
    }
    this.writer.settingsAck();
  }

  onPing(ack: boolean, opaque: Buffer): void {
    if (!ack) this.writer.ping(true, opaque);
  }

  onGoaway(): void {}

  onWindowUpdate(id: number, increment: number): void {
    if (id !== 0) {
      const relay = this.streams.get(id);
      if (relay !== undefined) relay.halfTo(this).addWindow(increment);
      return;
    }
    this.sendWindow += increment;
    if (this.sendWindow > MAX_WINDOW) throw new H2Error(FLOW_CONTROL_ERROR, 'connection window past 2^31-1');
    const blocked = this.blocked;
    for (let n = blocked.length; n > 0 && this.sendWindow > 0; n--) {
      const half = blocked.shift() as Half;
      half.blockedOnConn = false;
      half.pump();
    }
  }
}
