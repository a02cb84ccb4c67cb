/**
 * Where an HTTP/2 request stream marked `weft-orig-proto` (an HTTP/1 request a meshed peer
 * carried over HTTP/2) is told apart: see `markedHttp1`.
 */
import type { WirePair } from '../h2/wire/pair.ts';
import type { HttpContext } from '../http/context.ts';
import { callerLabels } from '../http/inbound-labels.ts';
import { MeshH1Up } from './inbound-up.ts';
import { ORIG_PROTO } from './translate.ts';

/**
 * An HTTP/1 request a meshed peer carried over HTTP/2 (`mesh-h2/`): honoured only on an
 * inbound connection whose caller proved a mesh identity over mTLS, where it goes to the
 * app as HTTP/1 and is counted under its Host and caller as on the HTTP/1 path. The marker
 * is stripped in every case; elsewhere (plaintext, outbound) the request stays HTTP/2: a
 * marker anyone could send must not change how the proxy talks to the app.
 */
export function markedHttp1(pair: WirePair): void {
  const h = pair.headers;
  h[ORIG_PROTO] = undefined;
  const ctx = pair.ctx;
  const identity = ctx.peerIdentity;
  if (identity === undefined || ctx.target.ctx.direction !== 'inbound') return;
  const hctx = ctx.target.ctx as HttpContext;
  pair.h1 = new MeshH1Up(pair, hctx);
  const src = h['weft-src'];
  const [ns, dep] = callerLabels(identity, typeof src === 'string' ? src : '');
  const host = h[':authority'];
  pair.labelled = hctx.inboundMetrics(
    typeof host === 'string' ? host : ctx.target.authority,
    ns,
    dep,
    identity,
    ctx.peerAddress,
  ).http;
}
