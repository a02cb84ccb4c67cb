/**
 * The client side of an h2wire connection: one pooled connection to an endpoint
 * (`pool.ts`), over the socket the proxy's `Connector` opened (TLS to meshed endpoints).
 * It takes streams once the endpoint's SETTINGS arrived (its stream limit is known); a
 * GOAWAY makes it refuse new streams, and the streams past the GOAWAY's last stream id
 * are closed as refused (the endpoint provably did not process them, so they may be
 * retried). Response header blocks are checked (RFC 9113 section 8.3) before the stream's
 * owner sees them.
 */

import type { Socket } from 'node:net';
import { H2Error, PROTOCOL_ERROR, REFUSED_STREAM } from '../../h2wire/errors.ts';
import { CLIENT_PREFACE, SETTINGS_ENABLE_PUSH } from '../../h2wire/frame-types.ts';
import { malformed, RESPONSE, TRAILERS } from '../../h2wire/header-rules.ts';
import { WireSession } from './session.ts';
import { type StreamOwner, WireStream } from './stream.ts';

const LAST_STREAM_ID = 2 ** 31 - 1;

function connectTimeoutError(): Error {
  return Object.assign(new Error('HTTP/2 connect timed out'), { code: 'ETIMEDOUT' });
}

/** What the pool hears of a session. */
export interface SessionListener {
  /** The endpoint's SETTINGS arrived (first or later ones). */
  sessionSettings(session: ClientSession): void;
  /** The session takes no new stream any more (GOAWAY, flood, closed). */
  sessionRetired(session: ClientSession): void;
}

export class ClientSession extends WireSession {
  private nextId = 1;
  /** The endpoint sent GOAWAY. */
  peerGoaway = false;
  /** The pool's bookkeeping: streams reserved, and whether it still offers this session. */
  inflight = 0;
  open = true;
  /** Counted ready by the pool (the endpoint's first SETTINGS). */
  ready = false;
  /** Opaque slot for the pool's per-endpoint entry. */
  entry: unknown = null;
  /** The connector's `epoch` when a secured session was opened (its certificate's), else -1. */
  epoch = -1;
  private readonly listener: SessionListener;

  constructor(socket: Socket, listener: SessionListener) {
    super(socket, false, null);
    this.listener = listener;
    socket.setNoDelay?.(true);
    socket.write(CLIENT_PREFACE);
    this.greet([SETTINGS_ENABLE_PUSH, 0]);
  }

  /** Can it take one more stream now? */
  usable(): boolean {
    return (
      !this.closed && !this.goingAway && !this.peerGoaway && !this.tripped && this.nextId < LAST_STREAM_ID
    );
  }

  /** Opens a stream with the request head; null when the session can no longer take one. */
  request(fields: readonly string[], end: boolean, owner: StreamOwner): WireStream | null {
    if (!this.usable()) return null;
    const id = this.nextId;
    this.nextId += 2;
    const stream = new WireStream(this, id, owner);
    this.streams.set(id, stream);
    stream.sendHeaders(fields, end);
    return stream;
  }

  protected idle(id: number): boolean {
    return id >= this.nextId || (id & 1) === 0;
  }

  protected headers(id: number, fields: string[], end: boolean): void {
    const stream = this.streams.get(id);
    if (stream === undefined) {
      if (this.idle(id)) throw new H2Error(PROTOCOL_ERROR, `HEADERS on the idle stream ${id}`);
      return; // a stream already reset
    }
    if (stream.remoteEnded) {
      stream.reset(PROTOCOL_ERROR);
      return;
    }
    if (!stream.headSeen) {
      if (malformed(fields, RESPONSE) !== null) {
        stream.reset(PROTOCOL_ERROR);
        return;
      }
      const status = fields[1] as string;
      stream.headSeen = !(status.length === 3 && status[0] === '1');
    } else if (!end || malformed(fields, TRAILERS) !== null) {
      stream.reset(PROTOCOL_ERROR); // trailers must end the stream, and carry no pseudo-header
      return;
    }
    if (end) stream.remoteEnded = true;
    stream.owner?.onStreamHeaders(stream, fields, end);
    if (end && !stream.closed) stream.endRemote();
  }

  /**
   * Socket timeout: the connect timeout before the endpoint's SETTINGS, then the idle one
   * (a session already going away with nothing moving for that long is closed at once).
   */
  protected override onIdle(): void {
    if (!this.peerSettings) this.destroy(connectTimeoutError());
    else if (this.goingAway) this.destroy(null);
    else this.shutdown();
  }

  protected override settingsHook(): void {
    this.listener.sessionSettings(this);
  }

  protected override tripHook(): void {
    this.listener.sessionRetired(this);
  }

  protected goawayHook(lastStreamId: number): void {
    this.peerGoaway = true;
    this.listener.sessionRetired(this);
    for (const stream of [...this.streams.values()]) {
      if (stream.id > lastStreamId) stream.resetByPeer(REFUSED_STREAM);
    }
    if (this.streams.size === 0) this.shutdown();
    else this.goingAway = true;
  }

  protected closedHook(): void {
    this.listener.sessionRetired(this);
  }
}
