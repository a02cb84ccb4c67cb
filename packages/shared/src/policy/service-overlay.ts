/**
 * A `v1` `Service` document in a policy file carries only `metadata.annotations`
 * (retries, timeouts, failure accrual): the Service itself comes from the platform, and
 * these annotations overlay the platform's own for that Service.
 */
import { z } from 'zod';
import { PolicyMetadata } from './meta.ts';

export const ServiceAnnotations = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata: PolicyMetadata,
  spec: z
    .never({
      error: 'a Service in a policy carries only metadata.annotations; its spec comes from the platform',
    })
    .optional(),
});
export type ServiceAnnotations = z.infer<typeof ServiceAnnotations>;
