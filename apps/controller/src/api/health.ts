/**
 * `health.*`: whether the control plane and the workloads it runs are well (`get`), and the
 * checks `weft check` and the Health page show (`checks`).
 */
import { ControlPlaneHealth, HealthReport } from '@weft/shared';
import { runHealthChecks } from '../health/checks.ts';
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

  /** Every health check, with what it found and how to fix it. */
  checks: viewerProcedure.output(HealthReport).query(({ ctx }) => runHealthChecks(ctx)),
});
