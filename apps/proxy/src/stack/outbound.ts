/**
 * The outbound request path, in order: every HTTP/1, HTTP/2 and gRPC request the app
 * sends goes through these layers (see `layers.ts` for each one's job).
 *
 *   route match (the authority's plan, read once per request)
 *   → filters (redirect; header modifiers recorded for the driver)
 *   → fault (abort / delay a share)
 *   → timeout (request deadline, or a gRPC caller's sooner grpc-timeout; per-attempt deadline armed at dispatch)
 *   → retry (what is retried, how often, under the backend's retry budget)
 *   → split (a weighted backend authority, resolved through the target cache)
 *   → balancer (P2C over peak-EWMA)
 *   → dispatch (the driver's endpoint pool: HTTP/1 keep-alive or HTTP/2 sessions)
 *
 * Errors on the way become responses in `errors/respond.ts` only.
 */
import type { TargetCache } from '../outbound/cache.ts';
import type { TapHub } from '../tap/hub.ts';
import {
  BalanceLayer,
  DispatchLayer,
  FaultLayer,
  FilterLayer,
  RetryLayer,
  RouteLayer,
  SplitLayer,
  TimeoutLayer,
} from './layers.ts';
import { RequestStack } from './pipeline.ts';

export function outboundStack(
  cache: TargetCache,
  resolveMs: number,
  tap: TapHub | null = null,
): RequestStack {
  return new RequestStack(
    [
      new RouteLayer(),
      new FilterLayer(),
      new FaultLayer(),
      new TimeoutLayer(),
      new RetryLayer(),
      new SplitLayer(cache),
      new BalanceLayer(resolveMs),
      new DispatchLayer(),
    ],
    'outbound',
    tap,
  );
}
