/**
 * One HTTP/2 connection on h2wire, either side (`server-session.ts` accepts streams,
 * `client-session.ts` opens them): socket, frame reader and writer, HPACK codec, SETTINGS
 * (and the timeout on their acknowledgement), PING, connection-level flow control both
 * ways, the table of streams, and the hardening node:http2 gave the proxy before:
 *
 * - flood guards: PING and SETTINGS (and, on the server side, streams reset before an
 *   answer) are token buckets (`flood-guard.ts` limits); past one the peer gets GOAWAY
 *   ENHANCE_YOUR_CALM and the connection closes shortly after;
 * - a peer that does not read: DATA stops at the socket's high-water mark (streams wait
 *   for 'drain'), and a connection whose unread output passes MAX_BUFFERED (control
 *   replies piling up) is closed;
 * - idle timeout, and a graceful close (GOAWAY, streams in flight finish).
 *
 * Protocol errors close the connection with GOAWAY and the error code.
 */

import type { Socket } from 'node:net';
import {
  ENHANCE_YOUR_CALM,
  FLOW_CONTROL_ERROR,
  H2Error,
  INTERNAL_ERROR,
  NO_ERROR,
  PROTOCOL_ERROR,
  SETTINGS_TIMEOUT,
} from '../../h2wire/errors.ts';
import { type FrameHandler, FrameReader } from '../../h2wire/frame-reader.ts';
import {
  DEFAULT_WINDOW,
  MAX_WINDOW,
  SETTINGS_HEADER_TABLE_SIZE,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_FRAME_SIZE,
} from '../../h2wire/frame-types.ts';
import { FrameWriter } from '../../h2wire/frame-writer.ts';
import { HpackDecoder } from '../../h2wire/hpack-decoder.ts';
import { HpackEncoder } from '../../h2wire/hpack-encoder.ts';
import { CONN_WINDOW, MAX_HEADER_LIST, STREAM_WINDOW } from '../../h2wire/local-settings.ts';
import type { H2FloodKind, H2FloodMetrics } from '../../metrics/h2-floods.ts';
import { Bucket, PING_LIMIT, SETTINGS_LIMIT } from '../flood-guard.ts';
import type { WireStream } from './stream.ts';

/** DATA waits while the socket holds this much unsent. */
const HIGH_WATER = 256 * 1024;
/** Unsent output past this (a peer that does not read its control replies): the connection closes. */
const MAX_BUFFERED = 4 * 1024 * 1024;
/** Milliseconds the peer has to acknowledge our SETTINGS. */
const SETTINGS_ACK_MS = 10_000;
/** Milliseconds a closing connection may take to send what it still holds. */
const LINGER_MS = 5_000;
/** Milliseconds between a flood's GOAWAY and closing the connection. */
const CLOSE_AFTER_GOAWAY_MS = 200;
/** Header blocks are encoded here (one at a time; the writer copies them out). */
const BLOCK = Buffer.allocUnsafe(MAX_HEADER_LIST + 1024);

export abstract class WireSession implements FrameHandler {
  readonly socket: Socket;
  readonly reader: FrameReader;
  readonly writer: FrameWriter;
  readonly decoder = new HpackDecoder({ maxHeaderListSize: MAX_HEADER_LIST });
  readonly encoder = new HpackEncoder();
  readonly streams = new Map<number, WireStream>();
  /** Streams with DATA waiting for the connection window or for the socket to drain. */
  blocked: WireStream[] = [];
  peerInitialWindow = DEFAULT_WINDOW;
  peerMaxConcurrent = Number.POSITIVE_INFINITY;
  sendWindow = DEFAULT_WINDOW;
  private recvWindow = CONN_WINDOW;
  private unacked = 0;
  /** Highest stream id the peer opened (for GOAWAY). */
  lastPeerStream = 0;
  closed = false;
  /** We sent GOAWAY: no new stream; closed once the last stream is. */
  goingAway = false;
  /** The peer's first SETTINGS arrived. */
  peerSettings = false;
  /** Went past a flood limit: being closed. */
  tripped = false;
  /** The error the connection failed with (socket error, timeout, flood), if any. */
  error: unknown = null;
  private readonly pings = new Bucket(PING_LIMIT, Date.now());
  private readonly settingsBucket = new Bucket(SETTINGS_LIMIT, Date.now());
  private settingsTimer: NodeJS.Timeout | null = null;
  readonly floods: H2FloodMetrics | null;
  private readonly fields: string[] = [];

  constructor(socket: Socket, server: boolean, floods: H2FloodMetrics | null) {
    this.socket = socket;
    this.floods = floods;
    this.reader = new FrameReader(this, { server, maxHeaderBlock: MAX_HEADER_LIST });
    this.writer = new FrameWriter(socket);
    socket.on('data', this.onChunk.bind(this));
    socket.on('error', this.onSocketError.bind(this));
    socket.on('close', this.onSocketClose.bind(this));
    socket.on('drain', this.onDrain.bind(this));
    socket.on('timeout', this.onIdle.bind(this));
  }

  /** Our SETTINGS and connection window, first thing on the connection. */
  protected greet(settings: number[]): void {
    this.writer.settings([SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW, ...settings]);
    this.writer.windowUpdate(0, CONN_WINDOW - DEFAULT_WINDOW);
    this.settingsTimer = setTimeout(onSettingsTimeout, SETTINGS_ACK_MS, this);
    this.settingsTimer.unref();
  }

  /** A header block on `id` (fields valid during the call only). */
  protected abstract headers(id: number, fields: string[], end: boolean): void;
  /** Is `id` a stream that was never opened? */
  protected abstract idle(id: number): boolean;
  /** The connection is gone (every stream was closed first). */
  protected abstract closedHook(): void;
  /** The peer sent GOAWAY. */
  protected abstract goawayHook(lastStreamId: number, code: number): void;

  /** Whether DATA should wait for the socket to drain. */
  congested(): boolean {
    return this.socket.writableLength > HIGH_WATER;
  }

  sendHeaders(id: number, fields: readonly string[], end: boolean): void {
    const n = this.encoder.encode(fields, null, BLOCK, 0);
    this.writer.headers(id, BLOCK, 0, n, end);
  }

  writeReset(id: number, code: number): void {
    if (this.closed) return;
    this.writer.rstStream(id, code);
    this.checkBuffered();
  }

  /** Gives back connection-level credit for `n` octets received that we are done with. */
  credit(n: number): void {
    if (this.closed) return;
    this.unacked += n;
    if (this.unacked >= CONN_WINDOW / 2) {
      this.writer.windowUpdate(0, this.unacked);
      this.recvWindow += this.unacked;
      this.unacked = 0;
    }
  }

  forget(stream: WireStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    if (this.goingAway && this.streams.size === 0 && !this.closed) this.endSocket();
  }

  /** Graceful close: GOAWAY (no new stream), then the socket once every stream is done. */
  shutdown(): void {
    if (this.closed || this.goingAway) return;
    this.goingAway = true;
    this.writer.goaway(this.lastPeerStream, NO_ERROR);
    if (this.streams.size === 0) this.endSocket();
  }

  /** Closes on an error: GOAWAY with its code, then the socket; streams are reset. */
  fail(err: unknown): void {
    if (this.closed) return;
    if (this.error === null) this.error = err;
    const code = err instanceof H2Error ? err.code : INTERNAL_ERROR;
    this.writer.goaway(this.lastPeerStream, code);
    this.endSocket();
  }

  /** Closes at once: streams are reset, the socket destroyed. */
  destroy(err: unknown = null): void {
    if (err !== null && this.error === null) this.error = err;
    this.socket.destroy();
    this.teardown();
  }

  /** Ends the socket once what is written went out (a peer need not close its side). */
  private endSocket(): void {
    this.writer.flush();
    this.socket.destroySoon();
    // a peer that does not read would hold it open: it is destroyed after LINGER_MS
    setTimeout(destroySocket, LINGER_MS, this.socket).unref();
    this.teardown();
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.settingsTimer !== null) clearTimeout(this.settingsTimer);
    for (const stream of [...this.streams.values()]) stream.resetByPeer(INTERNAL_ERROR);
    this.streams.clear();
    this.blocked = [];
    this.closedHook();
  }

  /** Past a flood limit: GOAWAY ENHANCE_YOUR_CALM now (no new stream), closed a moment later. */
  trip(kind: H2FloodKind): void {
    if (this.tripped || this.closed) return;
    this.tripped = true;
    if (this.error === null) this.error = FLOODED;
    this.floods?.closed(kind);
    this.goingAway = true;
    this.writer.goaway(this.lastPeerStream, ENHANCE_YOUR_CALM);
    this.tripHook();
    setTimeout(closeFlooded, CLOSE_AFTER_GOAWAY_MS, this).unref();
  }

  /** A side's reaction to its connection going past a flood limit. */
  protected tripHook(): void {}

  private checkBuffered(): void {
    if (this.socket.writableLength > MAX_BUFFERED)
      this.destroy(new H2Error(ENHANCE_YOUR_CALM, 'peer does not read'));
  }

  private onChunk(chunk: Buffer): void {
    try {
      this.reader.push(chunk);
    } catch (err) {
      this.fail(err);
    }
  }

  private onSocketError(err: unknown): void {
    if (this.error === null) this.error = err;
  }

  private onSocketClose(): void {
    this.teardown();
  }

  private onDrain(): void {
    const blocked = this.blocked;
    if (blocked.length === 0) return;
    this.blocked = [];
    for (const s of blocked) {
      s.blocked = false;
      s.pump();
    }
  }

  /** No socket activity for the idle timeout. */
  protected onIdle(): void {
    this.shutdown();
  }

  // === impl FrameHandler ===

  onHeaders(id: number, block: Buffer, end: boolean): void {
    const fields = this.fields;
    fields.length = 0;
    this.decoder.decode(block, 0, block.length, fields);
    this.headers(id, fields, end);
  }

  onData(id: number, data: Buffer, end: boolean, flowLength: number): void {
    this.recvWindow -= flowLength;
    if (this.recvWindow < 0) throw new H2Error(FLOW_CONTROL_ERROR, 'peer sent past the connection window');
    const stream = this.streams.get(id);
    if (stream === undefined || stream.remoteEnded) {
      if (stream === undefined && this.idle(id))
        throw new H2Error(PROTOCOL_ERROR, `DATA on the idle stream ${id}`);
      this.credit(flowLength);
      if (stream !== undefined) stream.reset(5 /* STREAM_CLOSED */);
      return;
    }
    stream.recvWindow -= flowLength;
    if (stream.recvWindow < 0) {
      this.credit(flowLength);
      stream.reset(FLOW_CONTROL_ERROR);
      return;
    }
    const n = data.length;
    if (flowLength > n) stream.consumed(flowLength - n); // padding
    if (end) stream.remoteEnded = true;
    stream.owner?.onStreamData(stream, data, end);
    if (end && !stream.closed) stream.endRemote();
  }

  onRstStream(id: number, code: number): void {
    const stream = this.streams.get(id);
    if (stream !== undefined) stream.resetByPeer(code);
    else if (this.idle(id)) throw new H2Error(PROTOCOL_ERROR, `RST_STREAM on the idle stream ${id}`);
  }

  onStreamError(id: number, code: number): void {
    const stream = this.streams.get(id);
    if (stream !== undefined) stream.reset(code);
    else this.writeReset(id, code);
  }

  onSettings(ack: boolean, settings: readonly number[]): void {
    if (ack) {
      if (this.settingsTimer !== null) clearTimeout(this.settingsTimer);
      this.settingsTimer = null;
      return;
    }
    if (!this.tripped && !this.settingsBucket.take(Date.now())) {
      this.trip('settings');
      return;
    }
    for (let i = 0; i < settings.length; i += 2) {
      const id = settings[i] as number;
      const value = settings[i + 1] as number;
      if (id === SETTINGS_HEADER_TABLE_SIZE) this.encoder.setPeerMaxTableSize(value);
      else if (id === SETTINGS_MAX_FRAME_SIZE) this.writer.maxFrameSize = value;
      else if (id === SETTINGS_MAX_CONCURRENT_STREAMS) this.peerMaxConcurrent = value;
      else if (id === SETTINGS_INITIAL_WINDOW_SIZE) {
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const stream of this.streams.values()) {
          if (!stream.addWindow(delta)) throw new H2Error(FLOW_CONTROL_ERROR, 'stream window past 2^31-1');
        }
      }
    }
    this.writer.settingsAck();
    this.checkBuffered();
    this.peerSettings = true;
    this.settingsHook();
  }

  /** The peer's SETTINGS were applied. */
  protected settingsHook(): void {}

  onPing(ack: boolean, opaque: Buffer): void {
    if (ack) return;
    if (!this.tripped && !this.pings.take(Date.now())) {
      this.trip('ping');
      return;
    }
    if (this.tripped) return;
    this.writer.ping(true, opaque);
    this.checkBuffered();
  }

  onGoaway(lastStreamId: number, code: number): void {
    this.goawayHook(lastStreamId, code);
  }

  onWindowUpdate(id: number, increment: number): void {
    if (id !== 0) {
      const stream = this.streams.get(id);
      if (stream !== undefined && !stream.addWindow(increment)) stream.reset(FLOW_CONTROL_ERROR);
      return;
    }
    this.sendWindow += increment;
    if (this.sendWindow > MAX_WINDOW) throw new H2Error(FLOW_CONTROL_ERROR, 'connection window past 2^31-1');
    const blocked = this.blocked;
    if (blocked.length === 0) return;
    this.blocked = [];
    for (const s of blocked) {
      s.blocked = false;
      s.pump();
    }
  }
}

function onSettingsTimeout(session: WireSession): void {
  session.fail(new H2Error(SETTINGS_TIMEOUT, 'SETTINGS not acknowledged in time'));
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}

function closeFlooded(session: WireSession): void {
  session.destroy(FLOODED);
}

/** The error of a connection closed for a flood (one object: a flood allocates nothing). */
export const FLOODED = new Error('HTTP/2 peer went past a flood limit (GOAWAY ENHANCE_YOUR_CALM)');
