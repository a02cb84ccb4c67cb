/**
 * The inbound metrics handles of one HTTP/1 connection: resolved from the request's Host
 * and the caller as the connection proved it, and kept while they repeat (they almost
 * always do on a keep-alive connection).
 *
 * The caller's namespace comes only from its mTLS identity. A `weft-src` header is
 * believed only on an mTLS connection and only when it names the identity's own
 * namespace (the deployment it adds is the calling proxy's word); from a plaintext
 * caller it is ignored, so no one can pose as another workload in labels or topology.
 */
import type { Socket } from 'node:net';
import { parseMeshIdentity } from '@weft/shared';
import type { HttpMetrics } from '../metrics/handles.ts';
import { meshTls } from '../tls/peer.ts';
import type { HttpContext } from './context.ts';
import type { Http1Parser } from './parser.ts';

/** `[src_namespace, src_deployment]` of a caller: from its identity, with `weft-src` only when it agrees. */
export function callerLabels(identity: string | undefined, src: string): [string, string] {
  if (identity === undefined) return ['', ''];
  const namespace = parseMeshIdentity(identity)?.namespace ?? '';
  const slash = src.indexOf('/');
  if (slash > 0 && namespace !== '' && src.slice(0, slash) === namespace)
    return [namespace, src.slice(slash + 1)];
  return [namespace, ''];
}

export class InboundLabels {
  private host = '';
  private src = '';
  private last: HttpMetrics | null = null;

  metrics(ctx: HttpContext, p: Http1Parser, fallback: string, socket: Socket): HttpMetrics {
    const host = p.host === '' ? fallback : p.host;
    const src = p.src;
    if (host === this.host && src === this.src && this.last !== null) return this.last;
    const identity = meshTls(socket)?.peerIdentity;
    const [srcNamespace, srcDeployment] = callerLabels(identity, src);
    const m = ctx.inboundMetrics(host, srcNamespace, srcDeployment, identity, socket.remoteAddress).http;
    this.host = host;
    this.src = src;
    this.last = m;
    return m;
  }
}
