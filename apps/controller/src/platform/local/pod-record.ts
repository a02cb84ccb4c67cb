/** The durable record of one local pod, as kept in the platform's state document. */
import { z } from 'zod';

export const ProcRefSchema = z.object({
  pid: z.number().int().positive(),
  startTime: z.number().nonnegative(),
});

export const PodRecord = z.object({
  namespace: z.string(),
  name: z.string(),
  workload: z.string(),
  ip: z.string(),
  /** Hash of the pod template (container + inject annotation) this pod was made from. */
  templateHash: z.string(),
  meshed: z.boolean(),
  createdAt: z.string(),
  ports: z.array(
    z.object({ name: z.string().optional(), containerPort: z.number().int(), appPort: z.number().int() }),
  ),
  app: ProcRefSchema.nullable(),
  proxy: ProcRefSchema.nullable(),
  restarts: z.number().int().nonnegative(),
  lastExit: z
    .object({ code: z.number().int().nullable(), signal: z.string().nullable(), at: z.string() })
    .nullable(),
  /** When the current app process started. */
  startedAt: z.string(),
  ready: z.boolean(),
});
export type PodRecord = z.infer<typeof PodRecord>;
