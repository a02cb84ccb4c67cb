/**
 * `pods.*`: the replicas of a workload, its stopped pods whose output is kept, and the
 * last lines of a pod's output.
 */
import { Pod, PodListInput, PodLogs, PodLogsInput, StoppedPod, StoppedPodListInput } from '@weft/shared';
import { z } from 'zod';
import { adminProcedure, router, viewerProcedure } from './trpc.ts';

/** Lines `pods.logs` returns when the input does not say. */
const DEFAULT_LOG_LINES = 200;

export const podsRouter = router({
  list: viewerProcedure
    .input(PodListInput)
    .output(z.array(Pod))
    .query(({ ctx, input }) => ctx.platform.listPods(input.namespace, input.workload)),

  /** The workload's stopped pods whose output is still kept, newest first (none on Kubernetes). */
  stopped: viewerProcedure
    .input(StoppedPodListInput)
    .output(z.array(StoppedPod))
    .query(
      async ({ ctx, input }) => (await ctx.platform.listStoppedPods?.(input.namespace, input.workload)) ?? [],
    ),

  /**
   * Admins only: an application's output can hold secrets. The platform answers
   * `WEFT_NOT_FOUND` for a pod it does not know (the local one still knows the last few
   * stopped pods of each workload, for their logs).
   */
  logs: adminProcedure
    .input(PodLogsInput)
    .output(PodLogs)
    .query(async ({ ctx, input }) => {
      const lines = await ctx.platform.podLogs(
        input.namespace,
        input.name,
        input.lines ?? DEFAULT_LOG_LINES,
        input.container ?? 'app',
      );
      return { lines };
    }),
});
