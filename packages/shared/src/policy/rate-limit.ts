/**
 * `HTTPLocalRateLimitPolicy` (`policy.weft.dev/v1alpha1`, Linkerd's
 * `policy.linkerd.io/v1alpha1` accepted): requests per second for all callers, per
 * caller identity, and overrides for named service accounts, enforced on the inbound
 * side. Its `targetRef` is a `Server` or, as Weft's extension, a `Service` (the pods
 * behind that Service's port, or every port when `port` is absent).
 */
import { z } from 'zod';
import { DnsLabel } from '../names.ts';
import { LINKERD_POLICY_GROUP, PolicyMetadata, TargetRef, WEFT_POLICY_GROUP } from './meta.ts';

export const RATE_LIMIT_API_VERSIONS = [
  `${WEFT_POLICY_GROUP}/v1alpha1`,
  `${LINKERD_POLICY_GROUP}/v1alpha1`,
] as const;

const Rps = z.object({ requestsPerSecond: z.number().positive() });

export const HTTPLocalRateLimitPolicy = z.object({
  apiVersion: z.enum(RATE_LIMIT_API_VERSIONS),
  kind: z.literal('HTTPLocalRateLimitPolicy'),
  metadata: PolicyMetadata,
  spec: z.object({
    targetRef: TargetRef,
    total: Rps.optional(),
    identity: Rps.optional(),
    overrides: z
      .array(
        Rps.extend({
          clientRefs: z
            .array(
              z.object({ kind: z.literal('ServiceAccount'), name: DnsLabel, namespace: DnsLabel.optional() }),
            )
            .min(1),
        }),
      )
      .max(64)
      .optional(),
  }),
});
export type HTTPLocalRateLimitPolicy = z.infer<typeof HTTPLocalRateLimitPolicy>;
