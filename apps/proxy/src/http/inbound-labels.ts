/**
 * The inbound metrics handles of one HTTP/1 connection: resolved from the request's Host,
 * its `weft-src` caller and the connection's mTLS identity, and kept while they repeat
 * (they almost always do on a keep-alive connection).
 */
import type { Socket } from 'node:net';
import type { HttpMetrics } from '../metrics/handles.ts';
import { meshTls } from '../tls/peer.ts';
import type { HttpContext } from './context.ts';
import type { Http1Parser } from './parser.ts';

export class InboundLabels {
  private host = '';
  private src = '';
  private last: HttpMetrics | null = null;

  metrics(ctx: HttpContext, p: Http1Parser, fallback: string, socket: Socket): HttpMetrics {
    const host = p.host === '' ? fallback : p.host;
    const src = p.src;
    if (host === this.host && src === this.src && this.last !== null) return this.last;
    const slash = src.indexOf('/');
    const m = ctx.inboundMetrics(
      host,
      slash > 0 ? src.slice(0, slash) : '',
      slash > 0 ? src.slice(slash + 1) : '',
      meshTls(socket)?.peerIdentity,
    ).http;
    this.host = host;
    this.src = src;
    this.last = m;
    return m;
  }
}
