/**
 * Endpoint connections opened before the protocol is known, so that a server that speaks
 * first (an SMTP or MySQL banner) is heard at once instead of after the detection
 * timeout, and so that a CONNECT is answered `200` only once its endpoint accepted.
 *
 * An `EarlyConn` connects to one balanced endpoint (opaque ALPN), holds what the server
 * sends (paused after the first read, so at most one read is held) and tells one
 * listener what happened. Detection then either adopts it for an opaque forward
 * (`forwardTcp`) or drops it when the client turns out to speak HTTP, h2 or TLS.
 */
import type { Socket } from 'node:net';
import { MeshAlpn } from '@weft/shared';
import type { BalancedEndpoint, Concrete } from '../balance/types.ts';
import type { Connector } from '../transport/connector.ts';
import type { OpenUpstream } from './forward.ts';

/** What an early connection reports; one listener at a time. */
export interface EarlyListener {
  /** The endpoint accepted the connection. */
  earlyConnected(e: EarlyConn): void;
  /** The endpoint sent bytes (in `e.banner`) before the client was handed over. */
  earlySpoke(e: EarlyConn): void;
  /** The connection failed or closed before it was adopted (`e.error` says why, if known). */
  earlyFailed(e: EarlyConn): void;
}

const kEarly = Symbol('weft.tcp.early');
type EarlySocket = Socket & { [kEarly]?: EarlyConn };

/** One endpoint connection opened ahead of detection. */
export class EarlyConn implements OpenUpstream {
  readonly socket: Socket;
  readonly opened = false;
  /** The balancer's token from `begin()`, ended by the forward that adopts it (or by `drop`). */
  readonly loadToken: number;
  readonly startedAt = performance.now();
  connected = false;
  /** Bytes the endpoint sent before adoption (at most one read). */
  banner: Buffer | null = null;
  error: unknown = null;
  failed = false;
  listener: EarlyListener | null = null;
  private adopted = false;

  /** Only a failure ends the load before adoption (the forward ends it on connect). */
  get loadEnded(): boolean {
    return this.failed;
  }

  constructor(
    readonly endpoint: BalancedEndpoint,
    connector: Connector,
    connectTimeoutMs: number,
  ) {
    this.loadToken = endpoint.begin();
    const s = connector.connect(endpoint, MeshAlpn.opaque) as EarlySocket;
    s[kEarly] = this;
    s.allowHalfOpen = true;
    s.setTimeout(connectTimeoutMs);
    s.on('connect', onEarlyConnect);
    s.on('data', onEarlyData);
    s.on('timeout', onEarlyTimeout);
    s.on('error', onEarlyError);
    s.on('close', onEarlyClose);
    this.socket = s;
  }

  /** Takes the socket over for a forward: our listeners off, the socket paused. */
  adopt(): Socket {
    this.adopted = true;
    this.listener = null;
    const s = this.socket;
    s.removeListener('connect', onEarlyConnect);
    s.removeListener('data', onEarlyData);
    s.removeListener('timeout', onEarlyTimeout);
    s.removeListener('error', onEarlyError);
    s.removeListener('close', onEarlyClose);
    s.setTimeout(0);
    s.pause();
    return s;
  }

  /** Not needed after all (the client speaks a protocol the proxy parses): closes it. */
  drop(): void {
    if (this.adopted || this.failed) return;
    this.adopted = true;
    this.listener = null;
    this.endpoint.end(this.loadToken);
    this.socket.destroy();
  }

  fail(error: unknown): void {
    if (this.failed || this.adopted) return;
    this.failed = true;
    if (this.error === null) this.error = error;
    this.endpoint.end(this.loadToken);
    this.endpoint.recordOutcome(false, Date.now());
    this.socket.destroy();
    const l = this.listener;
    this.listener = null;
    l?.earlyFailed(this);
  }
}

/**
 * Opens an early connection to an endpoint of `concrete`, or returns null when none can
 * be picked right now (unresolved, empty or all ejected).
 */
export function openEarly(
  concrete: Concrete,
  connector: Connector,
  connectTimeoutMs: number,
): EarlyConn | null {
  const endpoint = concrete.pick();
  return endpoint === undefined ? null : new EarlyConn(endpoint, connector, connectTimeoutMs);
}

function onEarlyConnect(this: EarlySocket): void {
  const e = this[kEarly] as EarlyConn;
  e.connected = true;
  this.setTimeout(0);
  e.listener?.earlyConnected(e);
}

function onEarlyData(this: EarlySocket, chunk: Buffer): void {
  const e = this[kEarly] as EarlyConn;
  // hold one read: the next comes once a forward adopted the socket
  this.pause();
  e.banner = e.banner === null ? chunk : Buffer.concat([e.banner, chunk]);
  e.listener?.earlySpoke(e);
}

function onEarlyTimeout(this: EarlySocket): void {
  (this[kEarly] as EarlyConn).fail(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
}

function onEarlyError(this: EarlySocket, err: Error): void {
  (this[kEarly] as EarlyConn).fail(err);
}

function onEarlyClose(this: EarlySocket): void {
  (this[kEarly] as EarlyConn).fail(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
}
