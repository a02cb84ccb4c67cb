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
import type { Connector } from '../transport/connector.ts';

/** How long to wait for the endpoint to accept, and how long a silent pipe stays open. */
export interface TcpForwardOptions {
  /** Milliseconds to wait for the connection to the endpoint. */
  readonly connectTimeoutMs: number;
  /** Milliseconds without a byte in either direction before both sides are closed. */
  readonly idleTimeoutMs: number;
}

/**
 * An endpoint connection already open, handed over to a forward: one opened during
 * detection (`EarlyConn`), or an Upgrade's after its 101 (`tunnel/upgrade-relay.ts`).
 */
export interface OpenUpstream {
  /** The balancer's token from `begin()`. */
  readonly loadToken: number;
  /** Whether `end(loadToken)` was called already (the forward then does not). */
  readonly loadEnded: boolean;
  readonly startedAt: number;
  readonly connected: boolean;
  /** Whether `tcp.open` was counted for it already. */
  readonly opened: boolean;
  /** It failed before the hand-over: the client is closed. */
  readonly failed: boolean;
  /** What the endpoint sent before the hand-over, for the client first. */
  readonly banner: Buffer | null;
  /** Takes the socket over (listeners of the previous owner off). */
  adopt(): Socket;
}

const kForward = Symbol('weft.tcp.forward');

interface ForwardState {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly endpoint: BalancedEndpoint;
  readonly idleTimeoutMs: number;
  /** The balancer's token from `begin()`, until `end()` is called on connect or failure. */
  loadToken: number;
  loadEnded: boolean;
  /** `performance.now()` when the forward began. */
  readonly startedAt: number;
  connected: boolean;
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
  early: OpenUpstream | null = null,
): void {
  client.allowHalfOpen = true;
  const loadToken = early !== null ? early.loadToken : endpoint.begin();
  const upstream = early !== null ? early.adopt() : connector.connect(endpoint, MeshAlpn.opaque);
  upstream.allowHalfOpen = true;
  const state: ForwardState = {
    client,
    upstream,
    endpoint,
    idleTimeoutMs: options.idleTimeoutMs,
    loadToken,
    loadEnded: early !== null && (early.loadEnded || early.failed),
    startedAt: early !== null ? early.startedAt : performance.now(),
    connected: false,
    error: null,
    closed: 0,
  };
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
    client.destroy();
    upstream.destroy();
    return;
  }
  if (early !== null) {
    if (early.connected) connected(state, !early.opened);
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
  if (state !== undefined) connected(state, true);
}

function connected(state: ForwardState, count: boolean): void {
  state.connected = true;
  endLoad(state);
  if (count) state.endpoint.metrics.tcp.open(state.upstream);
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
  state.client.destroy();
  state.upstream.destroy();
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
    if (this === state.client) state.upstream.destroy();
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
