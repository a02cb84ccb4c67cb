/**
 * The inbound request path, in order: every HTTP/1, HTTP/2 and gRPC request for the app
 * goes through these layers (see `layers.ts` for each one's job).
 *
 *   rate limit (the port's HTTPLocalRateLimitPolicy: 429 with Retry-After beyond it)
 *   → retry (idempotent requests on gateway errors, under the app's retry budget)
 *   → split (the app itself: one endpoint)
 *   → balancer
 *   → dispatch (the driver's connection pool to the app)
 */
import { BalanceLayer, DispatchLayer, RateLimitLayer, RetryLayer, SplitLayer } from './layers.ts';
import { RequestStack } from './pipeline.ts';

export function inboundStack(resolveMs: number): RequestStack {
  return new RequestStack([
    new RateLimitLayer(),
    new RetryLayer(),
    new SplitLayer(null),
    new BalanceLayer(resolveMs),
    new DispatchLayer(),
  ]);
}
