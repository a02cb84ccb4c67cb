/**
 * One HTTP/1.1 Upgrade request on its way to an endpoint: the head is sent, the client's
 * further bytes are held, and the endpoint's answer is parsed. A `101 Switching
 * Protocols` turns the connection into a tunnel (`forwardTcp` over the same endpoint
 * connection); any other final answer is relayed as it came, to its end, and the client
 * connection goes back to HTTP/1 parsing (every later request is checked as usual),
 * or is closed when the answer said so. A failure before any answer byte becomes the
 * proxy's 502/504.
 */
import type { Socket } from 'node:net';
import { MeshAlpn } from '@weft/shared';
import type { BalancedEndpoint } from '../balance/types.ts';
import type { ConnTarget } from '../detect/handoff.ts';
import { http1ErrorResponse, ProxyErrorReason, reasonOfSocketError } from '../errors/respond.ts';
import { Http1Parser, type ParserOwner } from '../http/parser.ts';
import { forwardTcp, type OpenUpstream, type TcpForwardOptions } from '../tcp/forward.ts';

const kRelay = Symbol('weft.tunnel.upgrade');
type RelaySocket = Socket & { [kRelay]?: UpgradeRelay };

/** Stages of a relay. */
const WAITING = 0;
const SWITCHED = 1;
const DONE = 2;

export class UpgradeRelay implements ParserOwner, OpenUpstream {
  readonly upstream: Socket;
  readonly parser = new Http1Parser(false, this);
  readonly loadToken: number;
  readonly startedAt = performance.now();
  connected = false;
  readonly failed = false;
  readonly banner = null;
  readonly opened = true;
  private stage: number = WAITING;
  /** Whether any answer byte reached the client (an error response is then too late). */
  private relayed = false;
  private status = 0;
  private closeAfter = false;
  loadEnded = false;
  private tcpClosed = false;

  constructor(
    readonly client: Socket,
    head: Buffer,
    /** Client bytes read after the head: the tunnel's first bytes, or the next request. */
    private rest: Buffer,
    readonly endpoint: BalancedEndpoint,
    readonly target: ConnTarget,
    /** The HTTP/1 server's fixed target, to go back to HTTP parsing with (null: explicit proxy). */
    private readonly fixed: ConnTarget | null,
    readonly options: TcpForwardOptions,
  ) {
    this.loadToken = endpoint.begin();
    endpoint.metrics.http.request();
    const up = target.ctx.connector.connect(endpoint, MeshAlpn.http1) as RelaySocket;
    up[kRelay] = this;
    this.upstream = up;
    (client as RelaySocket)[kRelay] = this;
    up.setTimeout(options.connectTimeoutMs);
    up.on('connect', onRelayConnect);
    up.on('data', onRelayData);
    up.on('end', onRelayEnd);
    up.on('timeout', onRelayTimeout);
    up.on('error', onRelayError);
    up.on('close', onRelayClose);
    client.on('error', onClientGone);
    client.on('close', onClientGone);
    up.write(head);
  }

  // === the endpoint's answer (parser owner) ===

  onHead(p: Http1Parser): boolean {
    const status = p.status;
    if (status === 101) {
      this.status = 101;
      this.stage = SWITCHED;
      return false;
    }
    if (status >= 200) {
      this.status = status;
      this.closeAfter = p.connClose || !(p.versionMinor === 1 || p.connKeepAlive);
    }
    return true;
  }

  onBody(): void {}

  onMessageEnd(p: Http1Parser): boolean {
    if (p.status < 200) return true; // an interim answer: the final one follows
    this.stage = DONE;
    return false;
  }

  data(chunk: Buffer): void {
    if (this.stage !== WAITING) return;
    const n = this.parser.execute(chunk);
    if (n < 0) {
      this.fail(Object.assign(new Error(this.parser.errorMessage), { code: 'WEFT_BAD_RESPONSE' }));
      return;
    }
    const stage: number = this.stage;
    if (n > 0) {
      this.relayed = true;
      if (!this.client.write(n === chunk.length ? chunk : chunk.subarray(0, n)) && stage === WAITING) {
        this.upstream.pause();
        this.client.once('drain', onClientDrain);
      }
    }
    if (stage === SWITCHED) this.switched(chunk.subarray(n));
    else if (stage === DONE) this.answered(this.closeAfter || n < chunk.length);
  }

  /** The endpoint closed its side: an answer that runs until EOF ends here. */
  ended(): void {
    if (this.stage === WAITING && this.parser.untilEof) {
      this.parser.finish();
      if ((this.stage as number) === DONE) this.answered(true);
    }
  }

  // === outcomes ===

  /** 101: the tunnel runs over this endpoint connection; the held client bytes go first. */
  private switched(after: Buffer): void {
    const m = this.endpoint.metrics.http;
    m.response(101, this.endLoad(), false);
    this.detach();
    if (after.length > 0) this.client.write(after);
    const rest = this.rest;
    this.rest = EMPTY;
    forwardTcp(this.client, rest, this.endpoint, this.target.ctx.connector, this.options, this);
  }

  /** Any other final answer was relayed whole: back to HTTP/1 parsing, or close. */
  private answered(close: boolean): void {
    this.endpoint.metrics.http.response(this.status, this.endLoad(), this.status >= 500);
    this.endpoint.recordOutcome(this.status < 500, Date.now());
    this.detach();
    this.closeUpstream();
    const client = this.client;
    if (client.destroyed) return;
    if (close) {
      client.once('finish', destroySelf);
      client.end();
      return;
    }
    client.removeListener('error', onClientGone);
    client.removeListener('close', onClientGone);
    this.target.ctx.resumeHttp1(client, this.rest, this.fixed);
  }

  /** The endpoint failed: the proxy's error response if nothing was relayed yet, else a reset. */
  fail(err: unknown): void {
    if (this.stage !== WAITING) return;
    this.stage = DONE;
    const latency = this.endLoad();
    this.endpoint.recordOutcome(false, Date.now());
    this.detach();
    this.closeUpstream();
    const client = this.client;
    if (client.destroyed) return;
    if (this.relayed) {
      this.endpoint.metrics.http.response(this.status || 502, latency, true);
      client.destroy();
      return;
    }
    const code = (err as { code?: string } | null)?.code;
    const reason =
      code === 'WEFT_BAD_RESPONSE' ? ProxyErrorReason.badResponse : reasonOfSocketError(err, this.connected);
    const response = http1ErrorResponse(reason, true);
    this.endpoint.metrics.http.response(Number(response.slice(9, 12)), latency, true);
    client.once('finish', destroySelf);
    client.end(response);
  }

  /** The client went away while the answer was awaited. */
  clientGone(): void {
    if (this.stage !== WAITING) return;
    this.stage = DONE;
    this.endLoad();
    this.detach();
    this.closeUpstream();
    this.client.destroy();
  }

  /** Closes the endpoint connection, counting its close once. */
  closeUpstream(): void {
    if (this.connected && !this.tcpClosed) {
      this.tcpClosed = true;
      this.endpoint.metrics.tcp.close(this.upstream);
    }
    this.upstream.destroy();
  }

  /** `OpenUpstream`: the forward takes the endpoint connection over. */
  adopt(): Socket {
    return this.upstream;
  }

  private endLoad(): number {
    if (!this.loadEnded) {
      this.loadEnded = true;
      this.endpoint.end(this.loadToken);
    }
    return performance.now() - this.startedAt;
  }

  private detach(): void {
    const up = this.upstream;
    up.removeListener('connect', onRelayConnect);
    up.removeListener('data', onRelayData);
    up.removeListener('end', onRelayEnd);
    up.removeListener('timeout', onRelayTimeout);
    up.removeListener('error', onRelayError);
    up.removeListener('close', onRelayClose);
    up.setTimeout(0);
    up.pause();
    this.client.removeListener('error', onClientGone);
    this.client.removeListener('close', onClientGone);
  }
}

const EMPTY = Buffer.alloc(0);

function onRelayConnect(this: RelaySocket): void {
  const r = this[kRelay] as UpgradeRelay;
  r.connected = true;
  r.endpoint.metrics.tcp.open(this);
  // the endpoint answers within the forward's idle bound
  this.setTimeout(r.options.idleTimeoutMs);
}

function onRelayData(this: RelaySocket, chunk: Buffer): void {
  (this[kRelay] as UpgradeRelay).data(chunk);
}

function onRelayEnd(this: RelaySocket): void {
  (this[kRelay] as UpgradeRelay).ended();
}

function onRelayTimeout(this: RelaySocket): void {
  const r = this[kRelay] as UpgradeRelay;
  r.fail(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
}

function onRelayError(this: RelaySocket, err: Error): void {
  (this[kRelay] as UpgradeRelay).fail(err);
}

function onRelayClose(this: RelaySocket): void {
  const r = this[kRelay] as UpgradeRelay;
  r.closeUpstream();
  r.fail(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
}

function onClientDrain(this: RelaySocket): void {
  this[kRelay]?.upstream.resume();
}

function onClientGone(this: RelaySocket): void {
  this[kRelay]?.clientGone();
}

function destroySelf(this: Socket): void {
  this.destroy();
}
