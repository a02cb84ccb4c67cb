/**
 * The controller API's own shapes: inputs of the procedures that take more than a
 * `WorkloadRef`, and the outputs that combine several domain objects. The procedure
 * names that use them are fixed in docs/interfaces.md.
 */
import { z } from 'zod';
import { NamespaceName, ObjectName } from './names.ts';
import { Authority, Pod, Service, Workload, WorkloadRef } from './workload.ts';

/** Health of the control plane as a whole. */
export const ControlPlaneHealth = z.object({
  status: z.enum(['ok', 'degraded']),
  /** Which platform runs the workloads: `local` or `kubernetes`. */
  platform: z.string(),
  version: z.string(),
  /** When this controller process started (ISO 8601). */
  startedAt: z.string(),
  uptimeSeconds: z.number().nonnegative(),
  namespaces: z.number().int().nonnegative(),
  workloads: z.number().int().nonnegative(),
  meshedWorkloads: z.number().int().nonnegative(),
  pods: z.number().int().nonnegative(),
  readyPods: z.number().int().nonnegative(),
  /** Human-readable problems, empty when status is `ok`. */
  problems: z.array(z.string()),
});
export type ControlPlaneHealth = z.infer<typeof ControlPlaneHealth>;

/** One namespace and how much of it is meshed. */
export const NamespaceSummary = z.object({
  name: NamespaceName,
  workloads: z.number().int().nonnegative(),
  meshedWorkloads: z.number().int().nonnegative(),
  pods: z.number().int().nonnegative(),
  readyPods: z.number().int().nonnegative(),
  services: z.number().int().nonnegative(),
});
export type NamespaceSummary = z.infer<typeof NamespaceSummary>;

/** A workload with its pods and the services that select it. */
export const WorkloadDetail = z.object({
  workload: Workload,
  pods: z.array(Pod),
  services: z.array(Service),
});
export type WorkloadDetail = z.infer<typeof WorkloadDetail>;

/** Upper bound on replicas a scale request may ask for. */
export const MAX_REPLICAS = 20;

/** Input of `workloads.list` and `services.list`. */
export const NamespaceFilterInput = z.object({ namespace: NamespaceName.optional() }).default({});
export type NamespaceFilterInput = z.infer<typeof NamespaceFilterInput>;

/** Input of `workloads.scale`. */
export const ScaleInput = WorkloadRef.extend({
  replicas: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(MAX_REPLICAS, `must be at most ${MAX_REPLICAS}`),
});
export type ScaleInput = z.infer<typeof ScaleInput>;

/** Input of `pods.list`. */
export const PodListInput = z.object({ namespace: NamespaceName, workload: ObjectName.optional() });
export type PodListInput = z.infer<typeof PodListInput>;

/** Input of `pods.stopped`. */
export const StoppedPodListInput = z.object({ namespace: NamespaceName, workload: ObjectName });
export type StoppedPodListInput = z.infer<typeof StoppedPodListInput>;

/** Upper bound on the log lines one `pods.logs` call returns. */
export const MAX_LOG_LINES = 1000;

/** Input of `pods.logs`. */
export const PodLogsInput = z.object({
  namespace: NamespaceName,
  name: z.string().min(1, 'must not be empty').max(253, 'must be at most 253 characters'),
  lines: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be 1 or more')
    .max(MAX_LOG_LINES, `must be at most ${MAX_LOG_LINES}`)
    .optional(),
  /** `app` (default) or `proxy`: which of the pod's processes to read. */
  container: z.enum(['app', 'proxy']).optional(),
});
export type PodLogsInput = z.infer<typeof PodLogsInput>;

/** Output of `pods.logs`: the last lines of the pod's output, oldest first. */
export const PodLogs = z.object({ lines: z.array(z.string()) });
export type PodLogs = z.infer<typeof PodLogs>;

/** Input of `destination.get`. */
export const DestinationInput = z.object({ authority: Authority });
export type DestinationInput = z.infer<typeof DestinationInput>;
