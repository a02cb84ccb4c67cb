/**
 * One listener's context: the `ProxyContext` of the hand-off contract plus what the
 * HTTP/1 server needs. Built once per listener at start-up; every connection accepted
 * there (and every tunnel opened through it) shares it.
 */

import type { Socket } from 'node:net';
import type { ProxyTimeouts } from '@weft/shared';
import { detectProtocol } from '../detect/detect.ts';
import type { ConnTarget, ProtocolHandlers } from '../detect/handoff.ts';
import type { WirePool } from '../h2/wire/pool.ts';
import type { HttpContext } from '../http/context.ts';
import { checkConnect, expire } from '../http/deadlines.ts';
import { type ServerConn, serveHttp1 } from '../http/server-conn.ts';
import type { HttpMetrics, TargetMetrics } from '../metrics/handles.ts';
import type { ProxyMetrics } from '../metrics/registry.ts';
import type { TargetCache } from '../outbound/cache.ts';
import { plainAddress } from '../policy/authz.ts';
import type { Ticker } from '../runtime/ticker.ts';
import type { EarlyConn } from '../tcp/early.ts';
import { refuseConnection } from '../tcp/serve.ts';
import { meshTls } from '../tls/peer.ts';
import type { Connector } from '../transport/connector.ts';
import type { RequestStack } from './pipeline.ts';

export interface ListenerContextOptions {
  direction: 'inbound' | 'outbound';
  connector: Connector;
  handlers: ProtocolHandlers;
  ticker: Ticker;
  timeouts: ProxyTimeouts;
  metrics: ProxyMetrics;
  srcLine: string;
  /** The direction's request pipeline. */
  stack: RequestStack;
  /** Outbound: the per-authority cache. */
  cache: TargetCache | null;
  /** Inbound: the app this listener forwards to. */
  fixed: ConnTarget | null;
  /** Shared drain flag of the whole proxy. */
  state: { draining: boolean };
  /** Outbound: HTTP/1 to meshed endpoints over these HTTP/2 sessions (null: off). */
  meshH2?: WirePool | null;
}

export class ListenerContext implements HttpContext {
  readonly direction: 'inbound' | 'outbound';
  readonly connector: Connector;
  readonly handlers: ProtocolHandlers;
  readonly ticker: Ticker;
  readonly timeouts: ProxyTimeouts;
  readonly conns = new Set<ServerConn>();
  readonly srcLine: string;
  readonly stack: RequestStack;
  readonly unroutedMetrics: HttpMetrics;
  readonly meshH2: WirePool | null;
  private readonly metrics: ProxyMetrics;
  private readonly cache: TargetCache | null;
  fixed: ConnTarget | null;
  private readonly state: { draining: boolean };

  constructor(o: ListenerContextOptions) {
    this.direction = o.direction;
    this.connector = o.connector;
    this.handlers = o.handlers;
    this.ticker = o.ticker;
    this.timeouts = o.timeouts;
    this.metrics = o.metrics;
    this.srcLine = o.srcLine;
    this.stack = o.stack;
    this.cache = o.cache;
    this.fixed = o.fixed;
    this.state = o.state;
    this.meshH2 = o.direction === 'outbound' ? (o.meshH2 ?? null) : null;
    this.unroutedMetrics =
      o.direction === 'outbound'
        ? o.metrics.outbound({ authority: '', tls: false }).http
        : o.metrics.inbound('', '', '', false).http;
  }

  get draining(): boolean {
    return this.state.draining;
  }

  target(authority: string): ConnTarget {
    if (this.cache !== null) return this.cache.get(authority);
    return this.fixed as ConnTarget;
  }

  detect(socket: Socket, head: Buffer, target: ConnTarget | null, early: EarlyConn | null = null): void {
    const authz = target?.policy.inbound?.authorizer;
    if (authz?.opaque === true && target != null && this.direction === 'inbound') {
      this.#detectOpaquePort(socket, head, target, authz, early);
      return;
    }
    detectProtocol(socket, head, this, target, this.timeouts, serveHttp1 as never, early);
  }

  /**
   * An opaque Server's port: a caller its address alone rules out is refused at accept,
   * before a byte is read; a terminated mesh TLS connection (its identity known) goes
   * straight to the opaque server, which decides before forwarding; anything else is
   * told apart only as mesh TLS or opaque bytes.
   */
  #detectOpaquePort(
    socket: Socket,
    head: Buffer,
    target: ConnTarget,
    authz: NonNullable<NonNullable<ConnTarget['policy']['inbound']>['authorizer']>,
    early: EarlyConn | null,
  ): void {
    if (meshTls(socket) !== undefined) {
      this.handlers.serveOpaque(socket, head, target, early);
      return;
    }
    if (authz.refuseAtAccept(socket.remoteAddress)) {
      early?.drop();
      refuseConnection(socket);
      return;
    }
    detectProtocol(socket, head, this, target, this.timeouts, serveHttp1 as never, early, true);
  }

  resumeHttp1(socket: Socket, head: Buffer, target: ConnTarget | null): void {
    serveHttp1(socket, head, this, target);
  }

  inboundMetrics(
    authority: string,
    srcNamespace: string,
    srcDeployment: string,
    clientId?: string,
    srcAddr?: string,
  ): TargetMetrics {
    return this.metrics.inbound(
      authority,
      srcNamespace,
      srcDeployment,
      clientId !== undefined,
      clientId,
      clientId === undefined && srcAddr !== undefined ? plainAddress(srcAddr) : undefined,
    );
  }

  /** Sweeps this listener's HTTP/1 connections for passed deadlines. */
  sweep(now: number): void {
    for (const c of this.conns) {
      if (c.deadline !== 0 && c.deadline <= now) expire(c);
      if (c.active) checkConnect(c, now);
    }
  }
}
