/** The local platform's durable state document (key `local-platform` in the state store). */
import { z } from 'zod';
import { PodRecord, ProcRefSchema } from './pod-record.ts';

export const WorkloadState = z.object({
  /** Whether the pod template carries `weft.dev/inject: enabled`. */
  meshed: z.boolean(),
  replicas: z.number().int().nonnegative(),
  createdAt: z.string(),
});
export type WorkloadState = z.infer<typeof WorkloadState>;

export const LocalState = z.object({
  version: z.literal(1),
  /** Keyed `namespace/name`. */
  workloads: z.record(z.string(), WorkloadState),
  /** Service `namespace/name` → its virtual address. */
  services: z.record(z.string(), z.string()),
  pods: z.array(PodRecord),
  balancer: ProcRefSchema.nullable(),
});
export type LocalState = z.infer<typeof LocalState>;

/** State store key. */
export const LOCAL_STATE_KEY = 'local-platform';

export function emptyState(): LocalState {
  return { version: 1, workloads: {}, services: {}, pods: [], balancer: null };
}
