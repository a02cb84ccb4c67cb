/**
 * `GRPCRoute` (`gateway.networking.k8s.io/v1`, Linkerd's `policy.linkerd.io/v1beta3`)
 * with GAMMA semantics: matches on the gRPC service and method and on headers, header
 * filters, weighted `backendRefs`.
 */
import { z } from 'zod';
import { BackendRef, HTTPRouteFilter, HTTPValueMatch } from './http-route.ts';
import { GATEWAY_GROUP, LINKERD_POLICY_GROUP, ParentRef, PolicyMetadata } from './meta.ts';

export const GRPC_ROUTE_API_VERSIONS = [
  `${GATEWAY_GROUP}/v1`,
  `${GATEWAY_GROUP}/v1alpha2`,
  `${LINKERD_POLICY_GROUP}/v1beta3`,
] as const;

export const GRPCMethodMatch = z.object({
  type: z.enum(['Exact', 'RegularExpression']).default('Exact'),
  service: z.string().optional(),
  method: z.string().optional(),
});
export type GRPCMethodMatch = z.infer<typeof GRPCMethodMatch>;

export const GRPCRouteMatch = z.object({
  method: GRPCMethodMatch.optional(),
  headers: z.array(HTTPValueMatch).optional(),
});
export type GRPCRouteMatch = z.infer<typeof GRPCRouteMatch>;

export const GRPCRouteRule = z.object({
  name: z.string().optional(),
  matches: z.array(GRPCRouteMatch).max(64).optional(),
  filters: z.array(HTTPRouteFilter).optional(),
  backendRefs: z.array(BackendRef).max(64).optional(),
});
export type GRPCRouteRule = z.infer<typeof GRPCRouteRule>;

export const GRPCRoute = z.object({
  apiVersion: z.enum(GRPC_ROUTE_API_VERSIONS),
  kind: z.literal('GRPCRoute'),
  metadata: PolicyMetadata,
  spec: z.object({
    parentRefs: z.array(ParentRef).min(1, 'must name at least one parent Service').max(32),
    hostnames: z.array(z.string()).optional(),
    rules: z.array(GRPCRouteRule).max(64).optional(),
  }),
});
export type GRPCRoute = z.infer<typeof GRPCRoute>;
