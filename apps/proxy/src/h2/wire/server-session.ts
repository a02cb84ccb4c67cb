/**
 * The server side of an h2wire connection: a client's h2c connection (prior knowledge, so
 * gRPC), accepted by a listener or opened in a CONNECT tunnel. Each new stream with a well
 * formed request head becomes a `WirePair` in the direction's request pipeline; a
 * malformed one is reset with PROTOCOL_ERROR, and new streams past the concurrency limit,
 * after our GOAWAY, or after a flood are refused (REFUSED_STREAM). Streams the client
 * resets before the proxy answered count against the rapid-reset bucket.
 */

import type { Socket } from 'node:net';
import { H2Error, PROTOCOL_ERROR, REFUSED_STREAM } from '../../h2wire/errors.ts';
import {
  SETTINGS_ENABLE_PUSH,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_HEADER_LIST_SIZE,
} from '../../h2wire/frame-types.ts';
import { malformed, REQUEST, TRAILERS } from '../../h2wire/header-rules.ts';
import { MAX_HEADER_LIST } from '../../h2wire/local-settings.ts';
import { Bucket, RESET_LIMIT } from '../flood-guard.ts';
import { type PairContext, startPair } from './pair.ts';
import { WireSession } from './session.ts';
import { WireStream } from './stream.ts';

/** Streams a client may have open at once on one connection. */
const MAX_CONCURRENT = 1000;

/** A context per connection: what its pairs share, and the set of live connections. */
export interface ServerContext extends PairContext {
  readonly sessions: Set<ServerSession>;
  readonly idleTimeoutMs: number;
}

export class ServerSession extends WireSession {
  readonly ctx: ServerContext;
  private readonly resets = new Bucket(RESET_LIMIT, Date.now());

  constructor(socket: Socket, ctx: ServerContext) {
    super(socket, true, ctx.floods);
    this.ctx = ctx;
    ctx.sessions.add(this);
    socket.setNoDelay(true);
    socket.setTimeout(ctx.idleTimeoutMs);
    this.greet([
      SETTINGS_MAX_CONCURRENT_STREAMS,
      MAX_CONCURRENT,
      SETTINGS_MAX_HEADER_LIST_SIZE,
      MAX_HEADER_LIST,
      SETTINGS_ENABLE_PUSH,
      0,
    ]);
  }

  /** The client reset a stream before the proxy answered it. */
  countReset(): void {
    if (!this.tripped && !this.closed && !this.resets.take(Date.now())) this.trip('reset');
  }

  protected idle(id: number): boolean {
    return id > this.lastPeerStream;
  }

  protected headers(id: number, fields: string[], end: boolean): void {
    const stream = this.streams.get(id);
    if (stream !== undefined) {
      // trailers of the request
      if (stream.remoteEnded || !end || malformed(fields, TRAILERS) !== null) {
        stream.reset(PROTOCOL_ERROR);
        return;
      }
      stream.remoteEnded = true;
      stream.owner?.onStreamHeaders(stream, fields, true);
      if (!stream.closed) stream.endRemote();
      return;
    }
    if (id <= this.lastPeerStream) return; // a stream already closed or reset
    if ((id & 1) === 0) throw new H2Error(PROTOCOL_ERROR, `client opened the even stream ${id}`);
    this.lastPeerStream = id;
    if (this.goingAway || this.tripped || this.streams.size >= MAX_CONCURRENT) {
      this.writeReset(id, REFUSED_STREAM);
      return;
    }
    if (malformed(fields, REQUEST) !== null) {
      this.writeReset(id, PROTOCOL_ERROR);
      return;
    }
    const s = new WireStream(this, id, null);
    this.streams.set(id, s);
    if (end) s.remoteEnded = true;
    startPair(this.ctx, this, s, fields, end);
  }

  protected goawayHook(): void {}

  protected closedHook(): void {
    this.ctx.sessions.delete(this);
  }
}
