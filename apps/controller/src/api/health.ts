/** `health.*`: whether the control plane and the workloads it runs are well. */
import { ControlPlaneHealth } from '@weft/shared';
import { router, viewerProcedure } from './trpc.ts';

export const healthRouter = router({
  get: viewerProcedure.output(ControlPlaneHealth).query(({ ctx }) => {
    const { platform } = ctx;
    const workloads = platform.listWorkloads();
    const pods = platform.listPods();
    const problems: string[] = [...platform.problems()];
    for (const w of workloads) {
      if (w.readyReplicas < w.replicas) {
        problems.push(`${w.namespace}/${w.name}: ${w.readyReplicas} of ${w.replicas} replicas ready`);
      }
      if (w.meshState === 'failed') problems.push(`${w.namespace}/${w.name}: the last rollout failed`);
    }
    return {
      status: problems.length ? 'degraded' : 'ok',
      platform: platform.kind,
      version: ctx.version,
      startedAt: new Date(ctx.startedAt).toISOString(),
      uptimeSeconds: Math.max(0, (Date.now() - ctx.startedAt) / 1000),
      namespaces: platform.listNamespaces().length,
      workloads: workloads.length,
      meshedWorkloads: workloads.filter((w) => w.meshed).length,
      pods: pods.length,
      readyPods: pods.filter((p) => p.ready).length,
      problems,
    };
  }),
});
