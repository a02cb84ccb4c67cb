/** `workloads.*`: list, inspect, mesh, unmesh and scale Deployments; follow a rollout. */

import { tracked } from '@trpc/server';
import {
  NamespaceFilterInput,
  RolloutProgress,
  ScaleInput,
  serviceSelects,
  Workload,
  WorkloadDetail,
  WorkloadRef,
} from '@weft/shared';
import { z } from 'zod';
import { ChangeSignal } from '../core/change-signal.ts';
import { adminProcedure, notFound, router, viewerProcedure } from './trpc.ts';

export const workloadsRouter = router({
  list: viewerProcedure
    .input(NamespaceFilterInput)
    .output(z.array(Workload))
    .query(({ ctx, input }) => ctx.platform.listWorkloads(input.namespace)),

  get: viewerProcedure
    .input(WorkloadRef)
    .output(WorkloadDetail)
    .query(({ ctx, input }) => {
      const workload =
        ctx.platform.getWorkload(input) ?? notFound(`workload ${input.namespace}/${input.name}`);
      const pods = ctx.platform.listPods(input.namespace, input.name);
      const services = ctx.platform
        .listServices(input.namespace)
        .filter((s) => serviceSelects(s.selector, workload.labels));
      return { workload, pods, services };
    }),

  mesh: adminProcedure
    .input(WorkloadRef)
    .output(RolloutProgress)
    .mutation(({ ctx, input }) => ctx.platform.mesh(input)),

  unmesh: adminProcedure
    .input(WorkloadRef)
    .output(RolloutProgress)
    .mutation(({ ctx, input }) => ctx.platform.unmesh(input)),

  scale: adminProcedure
    .input(ScaleInput)
    .output(Workload)
    .mutation(({ ctx, input }) => ctx.platform.scale(input, input.replicas)),

  /** The current progress, then every change, until the client goes away. */
  rollout: viewerProcedure.input(WorkloadRef).subscription(async function* ({ ctx, input, signal }) {
    ctx.platform.getWorkload(input) ?? notFound(`workload ${input.namespace}/${input.name}`);
    const changed = new ChangeSignal();
    const unsubscribe = ctx.platform.watch((e) => {
      if (e.kind === 'rollout' || (e.kind === 'pod' && e.namespace === input.namespace)) changed.notify();
    });
    try {
      let last = '';
      let seq = 0;
      while (!signal?.aborted) {
        const progress = RolloutProgress.parse(ctx.platform.rolloutStatus(input));
        const key = JSON.stringify(progress);
        if (key !== last) {
          last = key;
          seq += 1;
          yield tracked(String(seq), progress);
        }
        await changed.wait(signal);
      }
    } finally {
      unsubscribe();
    }
  }),
});
