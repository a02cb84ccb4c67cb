/**
 * The proxy's HTTP/2 server on the h2wire engine (`H2Server` of `../index.ts`): serves
 * each h2c connection handed over by detection or a tunnel as a `ServerSession`, whose
 * streams run the direction's request pipeline as `WirePair`s over the pooled endpoint
 * sessions of one `WirePool`.
 */

import type { Socket } from 'node:net';
import type { ConnTarget } from '../../detect/handoff.ts';
import type { H2FloodMetrics } from '../../metrics/h2-floods.ts';
import { meshTls } from '../../tls/peer.ts';
import type { Connector } from '../../transport/connector.ts';
import { WirePool } from './pool.ts';
import { type ServerContext, ServerSession } from './server-session.ts';

export interface WireServerOptions {
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly queueTimeoutMs: number;
  readonly maxQueuedStreams: number;
  readonly floods?: H2FloodMetrics;
}

export class WireH2Server {
  readonly pool: WirePool;
  readonly sessions = new Set<ServerSession>();
  readonly #options: WireServerOptions;

  constructor(connector: Connector, options: WireServerOptions) {
    this.#options = options;
    this.pool = new WirePool({
      connector,
      idleTimeoutMs: options.idleTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      queueTimeoutMs: options.queueTimeoutMs,
      maxQueued: options.maxQueuedStreams,
    });
  }

  /** Serves one connection that starts with the HTTP/2 preface; `prefix` was read already. */
  serve(socket: Socket, prefix: Buffer, target: ConnTarget): void {
    target.concrete.retain();
    socket.once('close', target.concrete.release.bind(target.concrete));
    const inbound = target.ctx.direction === 'inbound';
    const clientId = inbound ? meshTls(socket)?.peerIdentity : undefined;
    const ctx: ServerContext = {
      pool: this.pool,
      target,
      floods: this.#options.floods ?? null,
      sessions: this.sessions,
      idleTimeoutMs: this.#options.idleTimeoutMs,
      callerId: inbound ? (clientId ?? socket.remoteAddress) : undefined,
      peerIdentity: clientId,
      peerAddress: inbound ? socket.remoteAddress : undefined,
      inboundHttp: inbound
        ? target.ctx.inboundMetrics(target.authority, '', '', clientId, socket.remoteAddress).http
        : null,
    };
    const session = new ServerSession(socket, ctx);
    if (prefix.length > 0) {
      try {
        session.reader.push(prefix);
      } catch (err) {
        session.fail(err);
        return;
      }
    }
    socket.resume();
  }

  /** GOAWAY to every client connection: streams in flight finish, then they close. */
  drain(): void {
    for (const s of [...this.sessions]) s.shutdown();
  }

  get connections(): number {
    return this.sessions.size;
  }

  close(): void {
    this.drain();
    this.pool.close();
  }
}
