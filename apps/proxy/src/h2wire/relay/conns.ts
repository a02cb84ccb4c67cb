/**
 * The two sides of the h2wire relay: `DownConn` accepts streams from a client (h2c with
 * prior knowledge) and relays each over the upstream connection `UpstreamPool` holds;
 * `UpConn` is that connection to the upstream, opening one stream per relayed stream.
 * Not in the proxy's request path yet: bench/proxy/h2-wire-floor.ts runs it.
 */

import net from 'node:net';
import { H2Error, PROTOCOL_ERROR, REFUSED_STREAM } from '../errors.ts';
import {
  CLIENT_PREFACE,
  SETTINGS_ENABLE_PUSH,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_HEADER_LIST_SIZE,
} from '../frame-types.ts';
import { MAX_HEADER_LIST } from '../local-settings.ts';
import { Relay } from './relay.ts';
import { WireConn } from './wire-conn.ts';

/** Streams a client may have open at once on one downstream connection. */
const MAX_CONCURRENT = 1000;
const LAST_STREAM_ID = 2 ** 31 - 1;

export class UpConn extends WireConn {
  private nextId = 1;
  goingAway = false;
  /** The TCP connection was made (a connection that closes before is a failed attempt). */
  connected = false;

  constructor(port: number) {
    super(net.connect(port, '127.0.0.1'), false);
    this.socket.once('connect', () => {
      this.connected = true;
    });
    this.socket.write(CLIENT_PREFACE);
    this.greet([SETTINGS_ENABLE_PUSH, 0]);
  }

  /** Can it take one more stream? */
  usable(): boolean {
    return !this.closed && !this.goingAway && this.nextId < LAST_STREAM_ID;
  }

  /** Opens the upstream stream for the downstream stream `downId` of `down`, or refuses it. */
  open(
    down: DownConn,
    downId: number,
    fields: string[],
    neverIndexed: readonly number[],
    end: boolean,
  ): void {
    if (this.streams.size >= this.peerMaxConcurrent) {
      down.writer.rstStream(downId, REFUSED_STREAM);
      return;
    }
    const id = this.nextId;
    this.nextId += 2;
    const relay = new Relay(down, downId, this, id);
    relay.request.headers(fields, neverIndexed, end, false);
  }

  protected idle(id: number): boolean {
    return id >= this.nextId || (id & 1) === 0;
  }

  protected headers(id: number, fields: string[], neverIndexed: readonly number[], end: boolean): void {
    const relay = this.streams.get(id);
    if (relay === undefined) {
      if (this.idle(id)) throw new H2Error(PROTOCOL_ERROR, `HEADERS on the idle stream ${id}`);
      return; // a stream already reset
    }
    const status = fields[0] === ':status' ? (fields[1] as string) : '';
    relay.response.headers(fields, neverIndexed, end, status.length === 3 && status[0] === '1');
  }

  override onGoaway(): void {
    this.goingAway = true;
  }
}

/** After a failed connection attempt, new streams are refused this long before the next. */
const RETRY_MS = 500;

/**
 * Keeps one upstream connection, replaced when it closes or goes away; after an attempt
 * that failed to connect, streams are refused for RETRY_MS rather than each starting one.
 */
export class UpstreamPool {
  private current: UpConn | null = null;
  private retryAt = 0;

  constructor(private readonly port: number) {}

  /** The connection for a new stream, or null while the upstream is unreachable. */
  get(): UpConn | null {
    const c = this.current;
    if (c?.usable()) return c;
    if (c?.closed && !c.connected) {
      if (this.retryAt === 0) this.retryAt = Date.now() + RETRY_MS;
      if (Date.now() < this.retryAt) return null;
    }
    this.retryAt = 0;
    this.current = new UpConn(this.port);
    return this.current;
  }
}

export class DownConn extends WireConn {
  private readonly pool: UpstreamPool;

  constructor(socket: net.Socket, pool: UpstreamPool) {
    super(socket, true);
    this.pool = pool;
    this.greet([
      SETTINGS_MAX_CONCURRENT_STREAMS,
      MAX_CONCURRENT,
      SETTINGS_MAX_HEADER_LIST_SIZE,
      MAX_HEADER_LIST,
    ]);
  }

  protected idle(id: number): boolean {
    return id > this.lastPeerStream;
  }

  protected headers(id: number, fields: string[], neverIndexed: readonly number[], end: boolean): void {
    const relay = this.streams.get(id);
    if (relay !== undefined) {
      relay.request.headers(fields, neverIndexed, end, false);
      return;
    }
    if (id <= this.lastPeerStream) return; // a stream already closed or reset
    if ((id & 1) === 0) throw new H2Error(PROTOCOL_ERROR, `client opened the even stream ${id}`);
    this.lastPeerStream = id;
    if (this.streams.size >= MAX_CONCURRENT) {
      this.writer.rstStream(id, REFUSED_STREAM);
      return;
    }
    const up = this.pool.get();
    if (up === null) this.writer.rstStream(id, REFUSED_STREAM);
    else up.open(this, id, fields, neverIndexed, end);
  }
}
