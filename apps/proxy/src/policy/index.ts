/**
 * The proxy's traffic-policy layers: plans compiled once per revision and the per-request
 * pieces the pipeline calls (route match, header modifiers, redirect, fault, retry
 * classification, rate limits).
 */
export { ProxyPolicyError } from './error.ts';
export { CompiledFault, grpcStatusOfHttp } from './fault.ts';
export { compileHeaderModifier, HeaderModifier } from './headers.ts';
export { CompiledRoute, compileInbound, compileOutbound, InboundPlan, OutboundPlan } from './plan.ts';
export { DEFAULT_MAX_IDENTITIES, RateLimiter } from './ratelimit.ts';
export { redirectLocation } from './redirect.ts';
export type { RequestView } from './request-view.ts';
export { CompiledRetry } from './retry.ts';
