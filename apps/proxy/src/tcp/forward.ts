/**
 * Opaque TCP forwarding: a bidirectional pipe between an accepted connection and one
 * balanced endpoint, with backpressure both ways (`pipe` pauses the reader while the
 * writer's buffer is full), half-close passed through, an idle timeout, and the
 * endpoint's TCP metrics (`tcp_open_total`, `tcp_close_total`, `tcp_open_connections`,
 * `tcp_read_bytes_total`, `tcp_write_bytes_total`) counted through its handles.
 *
 * State lives on one object per forward and the socket handlers are module-level named
 * functions, so that no closure is allocated per connection or per chunk.
 */
import type { Socket } from 'node:net';
import { MeshAlpn } from '@weft/shared';
import type { BalancedEndpoint } from '../balance/types.ts';
import { http1ErrorResponse, ProxyErrorReason, reasonOfSocketError } from '../errors/respond.ts';
import type { Connector } from '../transport/connector.ts';
import type { EarlyConn } from './early.ts';

/** How long to wait for the endpoint to accept, and how long a silent pipe stays open. */
export interface TcpForwardOptions {
  /** Milliseconds to wait for the connection to the endpoint. */
  readonly connectTimeoutMs: number;
  /** Milliseconds without a byte in either direction before both sides are closed. */
  readonly idleTimeoutMs: number;
  /**
   * The forward carries an HTTP/1.1 Upgrade request (`prefix` is its head): count it as a
   * request, take the status from the endpoint's response line, and answer a failure to
   * reach the endpoint with an HTTP error response rather than a bare close.
   */
  readonly upgrade?: boolean;
}

const kForward = Symbol('weft.tcp.forward');

interface ForwardState {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly endpoint: BalancedEndpoint;
  readonly idleTimeoutMs: number;
  readonly upgrade: boolean;
  /** The balancer's token from `begin()`, until `end()` is called on connect or failure. */
  loadToken: number;
  loadEnded: boolean;
  /** `performance.now()` when the forward began. */
  readonly startedAt: number;
  connected: boolean;
  /** Whether the endpoint sent any byte (for an Upgrade: its response began). */
  answered: boolean;
  error: unknown;
  closed: number;
}

type Tagged = Socket & { [kForward]?: ForwardState };

/**
 * Forwards `client` to `endpoint` over a connection from `connector`, or over `early`
 * (a connection to `endpoint` opened during detection; what its server already said
 * reaches the client first). `prefix` holds bytes already read from the client (during
 * protocol detection); they reach the endpoint first. If the endpoint cannot be
 * reached, the client is closed.
 */
export function forwardTcp(
  client: Socket,
  prefix: Buffer | null,
  endpoint: BalancedEndpoint,
  connector: Connector,
  options: TcpForwardOptions,
  early: EarlyConn | null = null,
): void {
  client.allowHalfOpen = true;
  const loadToken = early !== null ? early.loadToken : endpoint.begin();
  const upstream =
    early !== null
      ? early.adopt()
      : connector.connect(endpoint, options.upgrade === true ? MeshAlpn.http1 : MeshAlpn.opaque);
  upstream.allowHalfOpen = true;
  const state: ForwardState = {
    client,
    upstream,
    endpoint,
    idleTimeoutMs: options.idleTimeoutMs,
    upgrade: options.upgrade === true,
    loadToken,
    loadEnded: false,
    startedAt: early !== null ? early.startedAt : performance.now(),
    connected: false,
    answered: false,
    error: null,
    closed: 0,
  };
  if (state.upgrade) {
    endpoint.metrics.http.request();
    upstream.once('data', onUpgradeResponse);
  }
  (client as Tagged)[kForward] = state;
  (upstream as Tagged)[kForward] = state;
  upstream.setTimeout(options.connectTimeoutMs);
  upstream.on('connect', onUpstreamConnect);
  upstream.on('timeout', onTimeout);
  upstream.on('error', onError);
  upstream.on('close', onClose);
  client.on('timeout', onTimeout);
  client.on('error', onError);
  client.on('close', onClose);
  if (client.destroyed || (early !== null && (early.failed || upstream.destroyed))) {
    if (early?.failed) state.loadEnded = true; // its failure ended the load already
    client.destroy();
    upstream.destroy();
    return;
  }
  if (early !== null) {
    if (early.connected) onUpstreamConnect.call(upstream as Tagged);
    if (early.banner !== null) client.write(early.banner);
  }
  // The connector queues writes until the connection is up; `pipe` stops reading the
  // client as soon as that queue is full.
  if (prefix !== null && prefix.length > 0) upstream.write(prefix);
  client.pipe(upstream);
  upstream.pipe(client);
}

function onUpstreamConnect(this: Tagged): void {
  const state = this[kForward];
  if (state === undefined) return;
  state.connected = true;
  if (!state.upgrade) endLoad(state);
  state.endpoint.metrics.tcp.open(state.upstream);
  state.upstream.setTimeout(state.idleTimeoutMs);
  state.client.setTimeout(state.idleTimeoutMs);
}

/** Idle (or connect) timeout on either side: nothing moved either way, so close both. */
function onTimeout(this: Tagged): void {
  const state = this[kForward];
  if (state === undefined) return;
  state.client.destroy();
  state.upstream.destroy();
}

function onError(this: Tagged, error: unknown): void {
  const state = this[kForward];
  if (state === undefined) return;
  if (state.error === null) state.error = error;
  if (this === state.upstream && state.upgrade && !state.answered && answerUpgradeFailure(state)) return;
  state.client.destroy();
  state.upstream.destroy();
}

/** The endpoint's first bytes of an Upgrade forward: its status line. */
function onUpgradeResponse(this: Tagged, chunk: Buffer): void {
  const state = this[kForward];
  if (state === undefined) return;
  state.answered = true;
  const latencyMs = endLoad(state);
  // "HTTP/1.1 101 ..." — the status is the three digits after the first space.
  const status = chunk.length >= 12 ? Number(chunk.toString('latin1', 9, 12)) : 0;
  state.endpoint.metrics.http.response(status || 502, latencyMs, !(status > 0 && status < 500));
}

/**
 * An Upgrade whose endpoint failed before answering: send the client the proxy's error
 * response (502/504 with `weft-proxy-error`) and close. False when it is too late.
 */
function answerUpgradeFailure(state: ForwardState): boolean {
  const { client, upstream } = state;
  state.answered = true;
  const latencyMs = endLoad(state);
  upstream.unpipe(client);
  client.unpipe(upstream);
  upstream.destroy();
  if (client.destroyed || client.writableEnded) return false;
  const reason =
    state.error === null
      ? ProxyErrorReason.connectionReset
      : reasonOfSocketError(state.error, state.connected);
  const response = http1ErrorResponse(reason, true);
  state.endpoint.metrics.http.response(Number(response.slice(9, 12)), latencyMs, true);
  client.once('finish', destroySelf);
  client.end(response);
  return true;
}

/** Tells the balancer the attempt is over (once); returns the milliseconds it took. */
function endLoad(state: ForwardState): number {
  if (state.loadEnded) return performance.now() - state.startedAt;
  state.loadEnded = true;
  state.endpoint.end(state.loadToken);
  return performance.now() - state.startedAt;
}

/** A side fully closed: nothing more can flow through it, so close the other and report once. */
function onClose(this: Tagged): void {
  const state = this[kForward];
  if (state === undefined) return;
  state.closed++;
  if (state.closed === 1) {
    if (this === state.upstream && state.upgrade && !state.answered && answerUpgradeFailure(state)) {
      // The client gets the error response; its own close reports the forward.
    } else if (this === state.client) state.upstream.destroy();
    else if (state.client.writableLength === 0 || !state.connected) state.client.destroy();
    else {
      // Let what the endpoint sent last reach the client, then close.
      state.client.once('finish', destroySelf);
      state.client.end();
    }
  }
  if (this !== state.upstream) return;
  endLoad(state);
  if (state.connected) state.endpoint.metrics.tcp.close(state.upstream);
}

function destroySelf(this: Socket): void {
  this.destroy();
}
