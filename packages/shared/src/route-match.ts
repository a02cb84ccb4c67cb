/**
 * How a route match is planned (shared by the outbound route plans and the inbound
 * per-route authorization): path, method, headers, query parameters and GRPCRoute
 * service/method, already defaulted and lower-cased by the controller.
 */
import { z } from 'zod';

export const PathMatchPlan = z.object({
  type: z.enum(['Exact', 'PathPrefix', 'RegularExpression']),
  value: z.string(),
});
export type PathMatchPlan = z.infer<typeof PathMatchPlan>;

/** A header or query parameter match; names of headers are lower-cased by the controller. */
export const ValueMatchPlan = z.object({
  name: z.string().min(1),
  type: z.enum(['Exact', 'RegularExpression']),
  value: z.string(),
});
export type ValueMatchPlan = z.infer<typeof ValueMatchPlan>;

/** One match: all its parts must hold. A route matches when any of its matches does. */
export const RouteMatchPlan = z.object({
  path: PathMatchPlan.optional(),
  method: z.string().optional(),
  headers: z.array(ValueMatchPlan).default([]),
  queryParams: z.array(ValueMatchPlan).default([]),
  /** GRPCRoute: the `/service/method` of the request path, each part exact or regex. */
  grpc: z
    .object({
      type: z.enum(['Exact', 'RegularExpression']).default('Exact'),
      service: z.string().optional(),
      method: z.string().optional(),
    })
    .optional(),
});
export type RouteMatchPlan = z.infer<typeof RouteMatchPlan>;
