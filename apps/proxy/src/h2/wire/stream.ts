/**
 * One HTTP/2 stream of an h2wire session (`session.ts`), either side: what we may send on
 * it (the peer's stream window, a bounded queue of DATA waiting for window, trailers or
 * END_STREAM to follow the queue) and what the peer may send (our receive window, given
 * back as the received octets are consumed). Frames received go to the stream's `owner`
 * (the request's `WirePair`), which decides what they mean.
 *
 * Backpressure end to end: octets this stream relays for another (`creditTo`, the stream
 * they were received on) give credit back to that stream only as they leave for the wire,
 * so a peer that stops reading stops the peer that sends.
 */

import { CANCEL, NO_ERROR } from '../../h2wire/errors.ts';
import { STREAM_WINDOW } from '../../h2wire/local-settings.ts';
import type { WireSession } from './session.ts';

const EMPTY = Buffer.alloc(0);

/** Who hears of a stream's frames: the request it belongs to. */
export interface StreamOwner {
  /** A header block: response headers (or 1xx), request or response trailers. */
  onStreamHeaders(stream: WireStream, fields: string[], end: boolean): void;
  onStreamData(stream: WireStream, chunk: Buffer, end: boolean): void;
  /** The stream is gone (ended both ways, reset by either side, or its session closed). */
  onStreamClose(stream: WireStream): void;
  /** What was queued for the peer has left (the window reopened): more may be written. */
  onStreamDrain?(stream: WireStream): void;
}

export class WireStream {
  readonly session: WireSession;
  id: number;
  owner: StreamOwner | null;
  /** Our send window on this stream. */
  window: number;
  /** What the peer may still send before we give credit. */
  recvWindow = STREAM_WINDOW;
  private unacked = 0;
  /** DATA waiting for window (or for the socket to drain), in order; null while none waits. */
  private queue: Buffer[] | null = null;
  queued = 0;
  /** Queued octets at the head that credit no one (a retry's replayed body). */
  private noCredit = 0;
  /** The stream whose received octets this one sends: credited as they leave. */
  creditTo: WireStream | null = null;
  /** Trailers (or, as an empty list, a bare END_STREAM) to send once the queue is empty. */
  private endWith: string[] | null = null;
  headersSent = false;
  /** The peer's final (non-1xx) header block arrived. */
  headSeen = false;
  /** We sent END_STREAM; the peer sent END_STREAM. */
  localEnded = false;
  remoteEnded = false;
  closed = false;
  /** The RST_STREAM code that closed it, either way; -1 when none. */
  rstCode = -1;
  /** The peer reset it (RST_STREAM received). */
  peerReset = false;
  blocked = false;

  constructor(session: WireSession, id: number, owner: StreamOwner | null) {
    this.session = session;
    this.id = id;
    this.owner = owner;
    this.window = session.peerInitialWindow;
  }

  sendHeaders(fields: readonly string[], end: boolean): void {
    if (this.closed || this.localEnded) return;
    this.headersSent = true;
    this.session.sendHeaders(this.id, fields, end);
    if (end) this.endLocal();
  }

  /** Sends a body chunk, or queues it until the windows allow; `credit`: counts for `creditTo`. */
  write(chunk: Buffer, credit: boolean): void {
    if (this.closed || this.localEnded || this.endWith !== null) {
      if (credit) this.creditTo?.consumed(chunk.length);
      return;
    }
    const n = chunk.length;
    const s = this.session;
    if (
      this.queue === null &&
      n <= this.window &&
      n <= s.sendWindow &&
      n <= s.writer.maxFrameSize &&
      !s.congested()
    ) {
      s.writer.data(this.id, chunk, false);
      this.window -= n;
      s.sendWindow -= n;
      if (credit) this.creditTo?.consumed(n);
      return;
    }
    if (this.queue === null) this.queue = [];
    this.queue.push(chunk);
    this.queued += n;
    if (!credit) this.noCredit += n;
    this.pump();
  }

  /** Ends our side after what is queued: with trailers, or with an empty DATA frame. */
  end(trailers: string[] | null): void {
    if (this.closed || this.localEnded || this.endWith !== null) return;
    this.endWith = trailers ?? [];
    if (this.queue === null) this.finishSend();
  }

  /** Sends what the windows allow from the queue, then the end of the message if it came. */
  pump(): void {
    const queue = this.queue;
    if (queue === null || this.closed) return;
    const s = this.session;
    while (queue.length > 0) {
      const head = queue[0] as Buffer;
      const n = Math.min(head.length, this.window, s.sendWindow, s.writer.maxFrameSize);
      if ((n <= 0 && head.length > 0) || s.congested()) {
        if ((s.sendWindow <= 0 || s.congested()) && !this.blocked) {
          this.blocked = true;
          s.blocked.push(this);
        }
        return;
      }
      if (n === head.length) {
        queue.shift();
        s.writer.data(this.id, head, false);
      } else {
        s.writer.data(this.id, head.subarray(0, n), false);
        queue[0] = head.subarray(n);
      }
      this.window -= n;
      s.sendWindow -= n;
      this.queued -= n;
      const free = Math.min(n, this.noCredit);
      this.noCredit -= free;
      if (n > free) this.creditTo?.consumed(n - free);
    }
    this.queue = null;
    if (this.endWith !== null) this.finishSend();
    else this.owner?.onStreamDrain?.(this);
  }

  private finishSend(): void {
    const trailers = this.endWith as string[];
    if (trailers.length > 0) this.session.sendHeaders(this.id, trailers, true);
    else this.session.writer.data(this.id, EMPTY, true);
    this.endLocal();
  }

  addWindow(increment: number): boolean {
    this.window += increment;
    if (this.window > 2 ** 31 - 1) return false;
    if (this.queue !== null) this.pump();
    return true;
  }

  /** The owner is done with `n` octets received here: credit goes back to the peer. */
  consumed(n: number): void {
    this.session.credit(n);
    if (this.remoteEnded || this.closed) return;
    this.unacked += n;
    if (this.unacked >= STREAM_WINDOW / 2) {
      this.session.writer.windowUpdate(this.id, this.unacked);
      this.recvWindow += this.unacked;
      this.unacked = 0;
    }
  }

  /** Resets the stream (RST_STREAM with `code`) unless it is already closed. */
  reset(code: number = CANCEL): void {
    if (this.closed) return;
    if (this.localEnded && this.remoteEnded) {
      // ended both ways (its owner hears of the last frame before the stream closes): a
      // reset now would be a frame on a closed stream, which peers count against us
      this.close();
      return;
    }
    this.session.writeReset(this.id, code);
    this.rstCode = code;
    this.close();
  }

  /** The peer ended its side. */
  endRemote(): void {
    this.remoteEnded = true;
    if (this.localEnded) this.close();
  }

  private endLocal(): void {
    this.localEnded = true;
    if (this.remoteEnded) this.close();
  }

  /** The peer reset the stream. */
  resetByPeer(code: number): void {
    if (this.closed) return;
    this.rstCode = code;
    this.peerReset = true;
    this.close();
  }

  /** Closes the stream here: queued octets are dropped and credited back; the owner hears. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const credited = this.queued - this.noCredit;
    if (credited > 0) this.creditTo?.consumed(credited);
    this.queue = null;
    this.queued = 0;
    this.noCredit = 0;
    this.creditTo = null;
    this.session.forget(this);
    const owner = this.owner;
    this.owner = null;
    owner?.onStreamClose(this);
  }

  /** Whether the stream was reset with an error (a code other than NO_ERROR). */
  get failed(): boolean {
    return this.rstCode !== -1 && this.rstCode !== NO_ERROR;
  }
}
