/**
 * `HTTPRoute` as Gateway API (`gateway.networking.k8s.io/v1`) and Linkerd
 * (`policy.linkerd.io/v1beta3`) define it, with GAMMA semantics: `parentRefs` name a
 * Service. Matches (path, headers, query parameters, method), filters, weighted
 * `backendRefs` and `timeouts`.
 */
import { z } from 'zod';
import { DnsLabel } from '../names.ts';
import { DURATION_MESSAGE, parsePolicyDuration } from './duration.ts';
import { GATEWAY_GROUP, LINKERD_POLICY_GROUP, ParentRef, PolicyMetadata } from './meta.ts';

export const HTTP_ROUTE_API_VERSIONS = [
  `${GATEWAY_GROUP}/v1`,
  `${GATEWAY_GROUP}/v1beta1`,
  `${LINKERD_POLICY_GROUP}/v1beta3`,
  `${LINKERD_POLICY_GROUP}/v1beta2`,
] as const;

export const Duration = z.string().refine((s) => parsePolicyDuration(s) !== undefined, DURATION_MESSAGE);

export const HTTPPathMatch = z.object({
  type: z.enum(['Exact', 'PathPrefix', 'RegularExpression']).default('PathPrefix'),
  value: z.string().default('/'),
});
export type HTTPPathMatch = z.infer<typeof HTTPPathMatch>;

export const HTTPValueMatch = z.object({
  type: z.enum(['Exact', 'RegularExpression']).default('Exact'),
  name: z.string().min(1),
  value: z.string(),
});
export type HTTPValueMatch = z.infer<typeof HTTPValueMatch>;

export const HTTPRouteMatch = z.object({
  path: HTTPPathMatch.optional(),
  headers: z.array(HTTPValueMatch).optional(),
  queryParams: z.array(HTTPValueMatch).optional(),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']).optional(),
});
export type HTTPRouteMatch = z.infer<typeof HTTPRouteMatch>;

const HeaderNameValue = z.object({ name: z.string().min(1), value: z.string() });

export const HeaderModifier = z.object({
  set: z.array(HeaderNameValue).optional(),
  add: z.array(HeaderNameValue).optional(),
  remove: z.array(z.string().min(1)).optional(),
});
export type HeaderModifier = z.infer<typeof HeaderModifier>;

export const HTTPPathModifier = z.object({
  type: z.enum(['ReplaceFullPath', 'ReplacePrefixMatch']),
  replaceFullPath: z.string().optional(),
  replacePrefixMatch: z.string().optional(),
});

export const RequestRedirect = z.object({
  scheme: z.enum(['http', 'https']).optional(),
  hostname: z.string().optional(),
  path: HTTPPathModifier.optional(),
  port: z.number().int().min(1).max(65535).optional(),
  statusCode: z
    .union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)])
    .optional(),
});
export type RequestRedirect = z.infer<typeof RequestRedirect>;

/** A filter; the types other than the three we apply are accepted by the schema and refused by validation. */
export const HTTPRouteFilter = z.object({
  type: z.string().min(1),
  requestHeaderModifier: HeaderModifier.optional(),
  responseHeaderModifier: HeaderModifier.optional(),
  requestRedirect: RequestRedirect.optional(),
});
export type HTTPRouteFilter = z.infer<typeof HTTPRouteFilter>;

export const BackendRef = z.object({
  group: z.string().optional(),
  kind: z.string().optional(),
  name: DnsLabel,
  namespace: DnsLabel.optional(),
  port: z.number().int().min(1).max(65535).optional(),
  weight: z.number().int().min(0).max(1_000_000).optional(),
  filters: z.array(HTTPRouteFilter).optional(),
});
export type BackendRef = z.infer<typeof BackendRef>;

export const HTTPRouteRule = z.object({
  name: z.string().optional(),
  matches: z.array(HTTPRouteMatch).max(64).optional(),
  filters: z.array(HTTPRouteFilter).optional(),
  backendRefs: z.array(BackendRef).max(64).optional(),
  timeouts: z.object({ request: Duration.optional(), backendRequest: Duration.optional() }).optional(),
});
export type HTTPRouteRule = z.infer<typeof HTTPRouteRule>;

export const HTTPRoute = z.object({
  apiVersion: z.enum(HTTP_ROUTE_API_VERSIONS),
  kind: z.literal('HTTPRoute'),
  metadata: PolicyMetadata,
  spec: z.object({
    parentRefs: z.array(ParentRef).min(1, 'must name at least one parent Service').max(32),
    hostnames: z.array(z.string()).optional(),
    rules: z.array(HTTPRouteRule).max(64).optional(),
  }),
});
export type HTTPRoute = z.infer<typeof HTTPRoute>;
