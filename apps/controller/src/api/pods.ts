/** `pods.*`: the replicas of a workload, and the last lines of a pod's output. */
import { Pod, PodListInput, PodLogs, PodLogsInput } from '@weft/shared';
import { z } from 'zod';
import { notFound, publicProcedure, router } from './trpc.ts';

/** Lines `pods.logs` returns when the input does not say. */
const DEFAULT_LOG_LINES = 200;

export const podsRouter = router({
  list: publicProcedure
    .input(PodListInput)
    .output(z.array(Pod))
    .query(({ ctx, input }) => ctx.platform.listPods(input.namespace, input.workload)),

  logs: publicProcedure
    .input(PodLogsInput)
    .output(PodLogs)
    .query(async ({ ctx, input }) => {
      const pod = ctx.platform.listPods(input.namespace).find((p) => p.name === input.name);
      if (!pod) notFound(`pod ${input.namespace}/${input.name}`);
      const lines = await ctx.platform.podLogs(
        input.namespace,
        input.name,
        input.lines ?? DEFAULT_LOG_LINES,
        input.container ?? 'app',
      );
      return { lines };
    }),
});
