/** `namespaces.*`: the namespaces that hold workloads, and how much of each is meshed. */
import { NamespaceSummary } from '@weft/shared';
import { z } from 'zod';
import { router, viewerProcedure } from './trpc.ts';

export const namespacesRouter = router({
  list: viewerProcedure.output(z.array(NamespaceSummary)).query(({ ctx }) => {
    const { platform } = ctx;
    return platform.listNamespaces().map((name) => {
      const workloads = platform.listWorkloads(name);
      const pods = platform.listPods(name);
      return {
        name,
        workloads: workloads.length,
        meshedWorkloads: workloads.filter((w) => w.meshed).length,
        pods: pods.length,
        readyPods: pods.filter((p) => p.ready).length,
        services: platform.listServices(name).length,
      };
    });
  }),
});
