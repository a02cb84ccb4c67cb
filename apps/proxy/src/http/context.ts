/**
 * What the HTTP/1 server needs from its listener, beyond the hand-off `ProxyContext`:
 * the connections to sweep, coarse time, timeouts, the mesh header it adds, and the
 * metrics for answers that reached no destination.
 */
import type { ProxyTimeouts } from '@weft/shared';
import type { ProxyContext } from '../detect/handoff.ts';
import type { WirePool } from '../h2/wire/pool.ts';
import type { HttpMetrics } from '../metrics/handles.ts';
import type { Ticker } from '../runtime/ticker.ts';
import type { ServerConn } from './server-conn.ts';

export interface HttpContext extends ProxyContext {
  readonly ticker: Ticker;
  readonly timeouts: ProxyTimeouts;
  /** Live HTTP/1 server connections of this listener (swept for deadlines, drained). */
  readonly conns: Set<ServerConn>;
  /** `weft-src: <ns>/<deployment>\r\n` added to requests to meshed endpoints; '' when unknown. */
  readonly srcLine: string;
  /** Metrics for answers given before any destination was known (a refused authority). */
  readonly unroutedMetrics: HttpMetrics;
  /**
   * Outbound: the pooled HTTP/2 sessions HTTP/1 requests to meshed endpoints are carried
   * over (`mesh-h2/`); null when that is off (or inbound).
   */
  readonly meshH2: WirePool | null;
}
