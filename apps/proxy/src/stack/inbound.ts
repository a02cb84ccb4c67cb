/**
 * The inbound request path, in order: every HTTP/1, HTTP/2 and gRPC request for the app
 * goes through these layers (see `layers.ts` for each one's job).
 *
 *   authorize (the port's Server and AuthorizationPolicies, or its default policy: 403)
 *   → rate limit (the port's HTTPLocalRateLimitPolicy: 429 with Retry-After beyond it)
 *   → retry (idempotent requests on gateway errors, under the app's retry budget)
 *   → split (the app itself: one endpoint)
 *   → balancer
 *   → dispatch (the driver's connection pool to the app)
 */
import type { TapHub } from '../tap/hub.ts';
import {
  AuthorizeLayer,
  BalanceLayer,
  DispatchLayer,
  RateLimitLayer,
  RetryLayer,
  SplitLayer,
} from './layers.ts';
import { RequestStack } from './pipeline.ts';

export function inboundStack(resolveMs: number, tap: TapHub | null = null): RequestStack {
  return new RequestStack(
    [
      new AuthorizeLayer(),
      new RateLimitLayer(),
      new RetryLayer(),
      new SplitLayer(null),
      new BalanceLayer(resolveMs),
      new DispatchLayer(),
    ],
    'inbound',
    tap,
  );
}
