/**
 * The deadlines of an HTTP/1 client connection, swept by the listener's coarse ticker
 * (`stack/context.ts`): a request head must complete within `headerMs` of its first
 * byte (408), a keep-alive connection idle for `idleMs` is closed, a request body that
 * brings no byte for `bodyMs` while the proxy reads it is cut off (408, or a close once
 * an answer began), and an endpoint connect has its own deadline. One deadline at a
 * time per connection: a number and a kind on the connection, no timers.
 */
import { http1BadRequest } from '../errors/respond.ts';
import type { ServerConn } from './server-conn.ts';

export const DL_NONE = 0;
export const DL_HEADER = 1;
export const DL_IDLE = 2;
export const DL_BODY = 3;

/** Arms the idle (keep-alive) deadline. */
export function armIdle(c: ServerConn): void {
  c.deadlineKind = DL_IDLE;
  c.deadline = c.ctx.ticker.now + c.ctx.timeouts.idleMs;
}

/** A head started arriving: it must complete in time. */
export function armHeader(c: ServerConn): void {
  c.deadlineKind = DL_HEADER;
  c.deadline = c.ctx.ticker.now + c.ctx.timeouts.headerMs;
}

/** A request body is expected (or a piece of it arrived): the next must come in time. */
export function armBody(c: ServerConn): void {
  c.deadlineKind = DL_BODY;
  c.deadline = c.ctx.ticker.now + c.ctx.timeouts.bodyMs;
}

export function clearDeadline(c: ServerConn): void {
  c.deadlineKind = DL_NONE;
  c.deadline = 0;
}

/** Called by the sweep when `c.deadline` passed. */
export function expire(c: ServerConn): void {
  const kind = c.deadlineKind;
  clearDeadline(c);
  if (kind === DL_IDLE) {
    c.end();
  } else if (kind === DL_HEADER) {
    c.closing = true;
    c.socket.end(http1BadRequest(408, 'request timeout'), 'latin1');
  } else if (kind === DL_BODY) {
    // Paused by the proxy (waiting for its endpoint, or backpressure): not the client's delay.
    if (c.socket.isPaused()) armBody(c);
    else bodyTimedOut(c);
  }
}

/** The request body stalled past `bodyMs`: 408 if no answer began, else close. */
function bodyTimedOut(c: ServerConn): void {
  const ex = c.ex;
  if (ex.responded) {
    c.abort();
    return;
  }
  ex.dropClient();
  c.keepAlive = false;
  c.closing = true;
  c.active = false;
  c.socket.end(http1BadRequest(408, 'request body timeout'), 'latin1');
  ex.resetExchange();
}

/** Connect deadline of the attempt in flight (checked by the sweep). */
export function checkConnect(c: ServerConn, now: number): void {
  const cc = c.ex.client;
  if (cc !== null && cc.connectDeadline !== 0 && cc.connectDeadline <= now) {
    cc.connectDeadline = 0;
    c.ex.onUpstreamFailure(cc, Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
    cc.destroy();
  }
}
