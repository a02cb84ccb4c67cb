/**
 * A keep-alive HTTP/1.1 connection to one endpoint, pooled by that endpoint. It parses
 * responses and hands their parts to the server connection whose request it carries;
 * between requests it waits in its endpoint's idle list. Socket events go to
 * module-level handlers that find the connection under a symbol.
 */
import type { Socket } from 'node:net';
import { MeshAlpn } from '@weft/shared';
import type { EndpointState, PooledConn } from '../balance/endpoint.ts';
import type { Connector, ReadInto } from '../transport/connector.ts';
import { Http1Parser, type ParserOwner } from './parser.ts';

/** What a client connection reports to the exchange that uses it. */
export interface ClientConnUser {
  onResponseHead(cc: ClientConn, p: Http1Parser): boolean;
  onResponseBody(cc: ClientConn, chunk: Buffer): void;
  onResponseEnd(cc: ClientConn, p: Http1Parser): boolean;
  onUpstreamFailure(cc: ClientConn, err: unknown): void;
  onUpstreamDrain(cc: ClientConn): void;
  /** Around parsing one read: lets the user coalesce what it writes into one syscall. */
  batchStart(): void;
  batchEnd(): void;
  /**
   * Whether what was just written on still references the read buffer (not flushed
   * synchronously), and whether reading is paused until it is (backpressure).
   */
  retains(): number;
}

/** `retains()` answers: the buffer is free; in use but reads wait for drain; in use. */
export const FREE = 0;
export const HELD_PAUSED = 1;
export const HELD = 2;

/** Size of a connection's reusable read buffer. */
const READ_BUFFER = 64 * 1024;

/**
 * Reads straight into one buffer per connection (no allocation, no stream machinery per
 * read). The buffer is reused only when nothing written from it is still queued: a
 * write not flushed at once keeps referencing it, and then the next read gets a fresh
 * buffer, unless reading is paused until that write drains (backpressure), which frees it;
 * over TLS, where a pause does not stop the read in progress, it always gets a fresh one.
 */
function onClientRead(this: Socket, nread: number, buf: Buffer): void {
  onClientData.call(this as ClientSocket, buf.subarray(0, nread));
}

export const kClient = Symbol('weft.http.client');
type ClientSocket = Socket & { [kClient]: ClientConn };

/** One pooled upstream connection. */
export class ClientConn implements ParserOwner, PooledConn {
  readonly socket: Socket;
  readonly parser: Http1Parser;
  user: ClientConnUser | null = null;
  connected = false;
  /** Whether it has served a request before (a failure may then be a stale keep-alive race). */
  reused = false;
  /** Whether any response byte arrived for the current request. */
  gotBytes = false;
  idleSince = 0;
  /** Coarse ms deadline for connecting; 0 once connected. */
  connectDeadline = 0;
  closed = false;
  /** The reusable read buffer, and whether a queued write still references it. */
  readBuf: Buffer | null = null;
  held = false;
  /** Whether the connection is TLS (mTLS to a meshed endpoint). */
  readonly tls: boolean;
  /** The connector's `epoch` when a TLS connection was opened (its certificate's), else -1. */
  readonly epoch: number;
  /** Set while a read is parsed: a final response's end is reported once parsing stopped. */
  parsing = false;
  /** A final response ended during the read being parsed. */
  ended = false;

  constructor(
    readonly endpoint: EndpointState,
    connector: Connector,
    connectDeadline: number,
  ) {
    this.parser = new Http1Parser(false, this);
    // Node calls the buffer function without a receiver: one small closure per connection
    const read: ReadInto = { buffer: () => this.nextReadBuffer(), callback: onClientRead };
    const s = connector.connect(endpoint, MeshAlpn.http1, read) as ClientSocket;
    s[kClient] = this;
    this.socket = s;
    this.tls = (s as Socket & { encrypted?: boolean }).encrypted === true;
    this.epoch = this.tls ? (connector.epoch ?? 0) : -1;
    this.connectDeadline = connectDeadline;
    endpoint.open++;
    s.on('connect', onClientConnect);
    s.on('data', onClientData);
    s.on('error', onClientError);
    s.on('close', onClientClose);
    s.on('drain', onClientDrain);
    s.on('end', onClientEnd);
  }

  /** The buffer for the next read: the same one unless a queued write still holds it. */
  nextReadBuffer(): Buffer {
    if (this.readBuf === null || this.held) {
      this.readBuf = Buffer.allocUnsafeSlow(READ_BUFFER);
      this.held = false;
    }
    return this.readBuf;
  }

  // === parser owner ===
  onHead(p: Http1Parser): boolean {
    const u = this.user;
    return u !== null ? u.onResponseHead(this, p) : false;
  }
  onBody(chunk: Buffer): void {
    this.user?.onResponseBody(this, chunk);
  }
  onMessageEnd(p: Http1Parser): boolean {
    const u = this.user;
    if (u === null) return false;
    if (this.parsing && p.status >= 200) {
      // Stop here: what follows a complete response is not the next caller's.
      this.ended = true;
      return false;
    }
    return u.onResponseEnd(this, p);
  }

  /** Whether the last response allows reusing the connection. */
  get keepAlive(): boolean {
    const p = this.parser;
    return !this.closed && !p.connClose && (p.versionMinor === 1 || p.connKeepAlive);
  }

  destroy(): void {
    this.user = null;
    this.socket.destroy();
  }

  /** Puts it back in its endpoint's idle list (or closes it if it cannot be reused). */
  release(now: number): void {
    this.user = null;
    const ep = this.endpoint;
    if (!this.keepAlive || ep.removed || !this.parser.idle) {
      this.socket.destroy();
      return;
    }
    this.reused = true;
    this.gotBytes = false;
    this.socket.resume();
    this.idleSince = now;
    ep.idle.push(this);
  }
}

/**
 * Takes an idle connection to `ep`, or opens one. An idle TLS connection opened with a
 * certificate the proxy has since renewed is closed instead of reused.
 */
export function acquire(ep: EndpointState, connector: Connector, connectDeadline: number): ClientConn {
  const idle = ep.idle;
  while (idle.length > 0) {
    const c = idle.pop() as ClientConn;
    if (c.closed || c.socket.destroyed) continue;
    if (c.epoch < 0 || c.epoch === (connector.epoch ?? 0)) return c;
    c.destroy();
  }
  return new ClientConn(ep, connector, connectDeadline);
}

function onClientConnect(this: ClientSocket): void {
  const c = this[kClient];
  c.connected = true;
  c.connectDeadline = 0;
  c.endpoint.metrics.tcp.open(this);
}

function onClientData(this: ClientSocket, chunk: Buffer): void {
  const c = this[kClient];
  if (c.user === null) {
    // bytes on an idle connection: the server is confused; do not reuse it
    this.destroy();
    return;
  }
  c.gotBytes = true;
  const u = c.user;
  u.batchStart();
  c.parsing = true;
  const n = c.parser.execute(chunk);
  c.parsing = false;
  u.batchEnd();
  if (chunk.buffer === c.readBuf?.buffer) {
    const r = u.retains();
    // Pausing a TLS socket does not stop the read in progress: Node's TLS layer goes on
    // decrypting the records it already has into the next buffer before it returns. So
    // over TLS a buffer still referenced is never reused, paused or not.
    if (r === HELD || (r === HELD_PAUSED && c.tls)) c.held = true;
  }
  if (n < 0) {
    const u = c.user;
    this.destroy();
    u?.onUpstreamFailure(c, Object.assign(new Error(c.parser.errorMessage), { code: 'WEFT_BAD_RESPONSE' }));
    return;
  }
  if (c.ended) {
    c.ended = false;
    // Bytes after a complete response: the server is confused; the connection is not reused.
    if (n < chunk.length) c.closed = true;
    if (c.user === u) u.onResponseEnd(c, c.parser);
  }
}

function onClientEnd(this: ClientSocket): void {
  const c = this[kClient];
  c.closed = true;
  // a response running until EOF ends here
  if (c.user !== null && c.parser.untilEof) c.parser.finish();
}

function onClientError(this: ClientSocket, err: Error): void {
  const c = this[kClient];
  c.closed = true;
  const u = c.user;
  c.user = null;
  u?.onUpstreamFailure(c, err);
}

function onClientClose(this: ClientSocket): void {
  const c = this[kClient];
  c.closed = true;
  const ep = c.endpoint;
  ep.open--;
  if (c.connected) ep.metrics.tcp.close(this);
  const i = ep.idle.indexOf(c);
  if (i >= 0) ep.idle.splice(i, 1);
  const u = c.user;
  c.user = null;
  u?.onUpstreamFailure(c, Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
}

function onClientDrain(this: ClientSocket): void {
  const c = this[kClient];
  c.user?.onUpstreamDrain(c);
}

/**
 * How long an idle connection to a meshed endpoint (another Weft proxy's inbound listener,
 * which keeps an idle keep-alive connection `timeouts.idleMs`, 60 s by default) stays
 * pooled. Longer than other endpoints' `maxIdleMs`: reopening one costs a TLS handshake at
 * both proxies, and a burst that finds the pool short opens one per waiting request at
 * once. After a 15 ms stall of the proxies' core at 1,000 requests/s, that was 30-70
 * handshakes in a row and responses held up for 20-60 ms (bench/proxy/tail.ts).
 */
export const MESHED_POOL_IDLE_MS = 30_000;

/**
 * Closes the endpoint's pooled connections idle longer than `maxIdleMs`
 * (`MESHED_POOL_IDLE_MS` for a meshed endpoint, if longer). The pool is kept oldest first.
 */
export function sweepIdle(ep: EndpointState, now: number, maxIdleMs: number): void {
  const idle = ep.idle;
  if (idle.length === 0) return;
  const limit = ep.meshed ? Math.max(maxIdleMs, MESHED_POOL_IDLE_MS) : maxIdleMs;
  let k = 0;
  while (k < idle.length && now - (idle[k] as PooledConn).idleSince > limit) k++;
  if (k > 0) for (const c of idle.splice(0, k)) c.destroy();
}
