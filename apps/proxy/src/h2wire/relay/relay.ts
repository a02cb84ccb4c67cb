/**
 * One stream relayed by the h2wire relay: a downstream stream and the upstream stream
 * opened for it, as two halves (request: down to up; response: up to down). Each half
 * forwards header blocks re-encoded for the other connection and DATA as received, within
 * the other side's stream and connection send windows. What does not fit waits in the
 * half's queue, bounded by the receive window we gave the sender (a peer that sends past
 * it has its stream reset with FLOW_CONTROL_ERROR); credit goes back to the sender only as
 * the octets leave, so a slow receiver slows its sender. Malformed header blocks (RFC 9113
 * section 8.2-8.3, header-rules.ts) reset the stream with PROTOCOL_ERROR.
 */

import { CANCEL, FLOW_CONTROL_ERROR, NO_ERROR, PROTOCOL_ERROR, STREAM_CLOSED } from '../errors.ts';
import { malformed, REQUEST, RESPONSE, TRAILERS } from '../header-rules.ts';
import { STREAM_WINDOW } from '../local-settings.ts';
import type { WireConn } from './wire-conn.ts';

const EMPTY = Buffer.alloc(0);

export class Half {
  readonly relay: Relay;
  readonly from: WireConn;
  fromId: number;
  readonly to: WireConn;
  toId = 0;
  /** Our send window on the `to` stream. */
  window: number;
  /** What the sender may still send on its stream before we give credit. */
  private recvWindow = STREAM_WINDOW;
  private unacked = 0;
  /** DATA waiting for window, in order; null while nothing waits. */
  private queue: Buffer[] | null = null;
  /** Octets queued. */
  queued = 0;
  /** Trailers to send once the queue is empty. */
  private trailers: string[] | null = null;
  private trailersNever: number[] | null = null;
  /** Headers sent (the final ones, for a response). */
  started = false;
  /** The sender ended its side; we ended ours (END_STREAM written). */
  ended = false;
  done = false;
  blockedOnConn = false;

  /** The request half (else the response half): which field rules its header blocks follow. */
  private readonly isRequest: boolean;

  constructor(relay: Relay, from: WireConn, fromId: number, to: WireConn, isRequest: boolean) {
    this.relay = relay;
    this.isRequest = isRequest;
    this.from = from;
    this.fromId = fromId;
    this.to = to;
    this.window = to.peerInitialWindow;
  }

  /** A header block from the sender: the message's headers, or its trailers. */
  headers(fields: string[], neverIndexed: readonly number[], end: boolean, informational: boolean): void {
    if (this.ended) {
      this.relay.streamError(this.from, STREAM_CLOSED);
      return;
    }
    if (malformed(fields, this.started ? TRAILERS : this.isRequest ? REQUEST : RESPONSE) !== null) {
      this.relay.streamError(this.from, PROTOCOL_ERROR);
      return;
    }
    if (end) this.ended = true;
    const never = neverIndexed.length === 0 ? null : neverIndexed;
    if (!this.started) {
      this.started = !informational;
      this.to.sendHeaders(this.toId, fields, never, end);
      if (end) this.finish();
      return;
    }
    if (!end) {
      this.relay.streamError(this.from, PROTOCOL_ERROR); // trailers must end the stream
      return;
    }
    if (this.queue === null) {
      this.to.sendHeaders(this.toId, fields, never, true);
      this.finish();
      return;
    }
    this.trailers = fields.slice();
    this.trailersNever = never === null ? null : never.slice();
  }

  data(chunk: Buffer, end: boolean, flowLength: number): void {
    if (this.ended) {
      this.from.credit(flowLength);
      this.relay.streamError(this.from, STREAM_CLOSED);
      return;
    }
    this.recvWindow -= flowLength;
    if (this.recvWindow < 0) {
      this.from.credit(flowLength);
      this.relay.streamError(this.from, FLOW_CONTROL_ERROR);
      return;
    }
    const n = chunk.length;
    if (flowLength > n) this.giveCredit(flowLength - n); // padding
    if (end) this.ended = true;
    const to = this.to;
    if (this.queue === null && n <= this.window && n <= to.sendWindow && n <= to.writer.maxFrameSize) {
      to.writer.data(this.toId, chunk, end);
      this.window -= n;
      to.sendWindow -= n;
      this.giveCredit(n);
      if (end) this.finish();
      return;
    }
    if (this.queue === null) this.queue = [];
    this.queue.push(chunk);
    this.queued += n;
    this.pump();
  }

  /** Sends what the windows allow from the queue, then the end of the message if it came. */
  pump(): void {
    const queue = this.queue;
    if (queue === null || this.done) return;
    const to = this.to;
    while (queue.length > 0) {
      const head = queue[0] as Buffer;
      const n = Math.min(head.length, this.window, to.sendWindow, to.writer.maxFrameSize);
      if (n <= 0 && head.length > 0) {
        if (to.sendWindow <= 0 && !this.blockedOnConn) {
          this.blockedOnConn = true;
          to.blocked.push(this);
        }
        return;
      }
      const last = n === head.length && queue.length === 1 && this.ended && this.trailers === null;
      if (n === head.length) {
        queue.shift();
        to.writer.data(this.toId, head, last);
      } else {
        to.writer.data(this.toId, head.subarray(0, n), false);
        queue[0] = head.subarray(n);
      }
      this.window -= n;
      to.sendWindow -= n;
      this.queued -= n;
      this.giveCredit(n);
      if (last) {
        this.finish();
        return;
      }
    }
    this.queue = null;
    if (!this.ended) return;
    if (this.trailers !== null) this.to.sendHeaders(this.toId, this.trailers, this.trailersNever, true);
    else this.to.writer.data(this.toId, EMPTY, true);
    this.finish();
  }

  addWindow(increment: number): void {
    this.window += increment;
    if (this.window > 2 ** 31 - 1) {
      this.relay.streamError(this.to, FLOW_CONTROL_ERROR);
      return;
    }
    if (this.queue !== null) this.pump();
  }

  /** Stops the half: queued octets are dropped and credited back to the sender's connection. */
  drop(): void {
    if (this.queued > 0) this.from.credit(this.queued);
    this.queue = null;
    this.queued = 0;
    this.done = true;
  }

  private giveCredit(n: number): void {
    this.from.credit(n);
    if (this.ended) return; // no more DATA will come on this stream
    this.unacked += n;
    if (this.unacked >= STREAM_WINDOW / 2) {
      this.from.writer.windowUpdate(this.fromId, this.unacked);
      this.recvWindow += this.unacked;
      this.unacked = 0;
    }
  }

  private finish(): void {
    this.done = true;
    this.relay.check();
  }
}

export class Relay {
  readonly down: WireConn;
  readonly up: WireConn;
  readonly request: Half;
  readonly response: Half;
  private closed = false;

  constructor(down: WireConn, downId: number, up: WireConn, upId: number) {
    this.down = down;
    this.up = up;
    this.request = new Half(this, down, downId, up, true);
    this.request.toId = upId;
    this.response = new Half(this, up, upId, down, false);
    this.response.toId = downId;
    down.streams.set(downId, this);
    up.streams.set(upId, this);
  }

  /** The half whose sender is `conn`. */
  halfFrom(conn: WireConn): Half {
    return conn === this.down ? this.request : this.response;
  }

  /** The half that sends to `conn`. */
  halfTo(conn: WireConn): Half {
    return conn === this.down ? this.response : this.request;
  }

  /** Both halves ended: the streams close on both connections. */
  check(): void {
    if (this.request.done && this.response.done) this.close();
  }

  /** `conn` broke a stream rule: reset its stream with `code`, and the other side's with CANCEL. */
  streamError(conn: WireConn, code: number): void {
    conn.writer.rstStream(conn === this.down ? this.request.fromId : this.response.fromId, code);
    this.reset(conn, CANCEL);
  }

  /**
   * `conn` reset its stream (or closed): the other side's stream is reset too, except that
   * an upstream answering in full and then resetting with NO_ERROR only stops the request.
   */
  reset(conn: WireConn, code: number): void {
    if (this.closed) return;
    if (conn === this.up && code === NO_ERROR && this.response.done) {
      this.request.drop();
      this.close();
      return;
    }
    const other = conn === this.down ? this.up : this.down;
    if (!other.closed) {
      const id = conn === this.down ? this.request.toId : this.response.toId;
      other.writer.rstStream(id, code === NO_ERROR ? CANCEL : code);
    }
    this.request.drop();
    this.response.drop();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.down.streams.delete(this.response.toId);
    this.up.streams.delete(this.request.toId);
  }
}
