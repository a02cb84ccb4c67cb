/**
 * `HTTPFault` (`policy.weft.dev/v1alpha1`, which Linkerd lacks): attached to an
 * `HTTPRoute` or `GRPCRoute` by `targetRef`, it aborts a percentage of the route's
 * requests with an HTTP status (or a gRPC status for gRPC callers) and/or delays a
 * percentage by a fixed time, so people can test their retries and timeouts.
 */
import { z } from 'zod';
import { Duration } from './http-route.ts';
import { PolicyMetadata, TargetRef, WEFT_POLICY_GROUP } from './meta.ts';

export const FAULT_API_VERSIONS = [`${WEFT_POLICY_GROUP}/v1alpha1`] as const;

const Percentage = z.number().min(0, 'must be 0 to 100').max(100, 'must be 0 to 100');

export const HTTPFault = z.object({
  apiVersion: z.enum(FAULT_API_VERSIONS),
  kind: z.literal('HTTPFault'),
  metadata: PolicyMetadata,
  spec: z
    .object({
      targetRef: TargetRef,
      abort: z
        .object({
          percentage: Percentage,
          httpStatus: z.number().int().min(200).max(599).optional(),
          grpcStatus: z.number().int().min(0).max(16).optional(),
        })
        .refine(
          (a) => a.httpStatus !== undefined || a.grpcStatus !== undefined,
          'needs httpStatus or grpcStatus',
        )
        .optional(),
      delay: z.object({ percentage: Percentage, fixedDelay: Duration }).optional(),
    })
    .refine((s) => s.abort !== undefined || s.delay !== undefined, 'needs abort or delay (or both)'),
});
export type HTTPFault = z.infer<typeof HTTPFault>;
