/**
 * `topology.*`: the service graph (every workload, and the edges seen between them with
 * their golden metrics and mTLS state), and the edges in and out of one workload.
 */
import { Edge, Topology, TopologyEdgesInput, TopologyGraphInput } from '@weft/shared';
import { z } from 'zod';
import { metricsOf } from './metrics.ts';
import { router, viewerProcedure } from './trpc.ts';

export const topologyRouter = router({
  graph: viewerProcedure
    .input(TopologyGraphInput)
    .output(Topology)
    .query(({ ctx, input }) => metricsOf(ctx).topology.graph(input.window, input.namespace)),
  edges: viewerProcedure
    .input(TopologyEdgesInput)
    .output(z.array(Edge))
    .query(({ ctx, input }) =>
      metricsOf(ctx).topology.edges(input.window, { namespace: input.namespace, workload: input.name }),
    ),
});
