/**
 * `metrics.*`: golden metrics (success rate, rps, p50/p95/p99) per namespace, workload and
 * pod over a window, as numbers or as a series for charts; per route of a Service (and per
 * backend of each route); and the scrape status of every proxy. Answered by the embedded store or a configured Prometheus (see metrics/).
 */
import {
  ErrorCode,
  GoldenMetrics,
  GoldenPoint,
  MeshError,
  MetricsGoldenInput,
  MetricsNamespacesInput,
  MetricsRoutes,
  MetricsRoutesInput,
  MetricsSeriesInput,
  MetricsStatus,
  MetricsWorkloadsInput,
  NamespaceMetrics,
  WorkloadMetrics,
} from '@weft/shared';
import { z } from 'zod';
import type { MetricsService } from '../metrics/service.ts';
import { type ApiContext, router, viewerProcedure } from './trpc.ts';

/** The metrics service, or `WEFT_UNAVAILABLE` when this controller runs without one. */
export function metricsOf(ctx: ApiContext): MetricsService {
  const m = ctx.metrics;
  if (m === undefined)
    throw new MeshError(ErrorCode.unavailable, 'metrics are not enabled on this controller');
  return m;
}

export const metricsRouter = router({
  namespaces: viewerProcedure
    .input(MetricsNamespacesInput)
    .output(z.array(NamespaceMetrics))
    .query(({ ctx, input }) => metricsOf(ctx).queries.namespaces(input.window)),
  workloads: viewerProcedure
    .input(MetricsWorkloadsInput)
    .output(z.array(WorkloadMetrics))
    .query(({ ctx, input }) => metricsOf(ctx).queries.workloads(input.namespace, input.window)),
  golden: viewerProcedure
    .input(MetricsGoldenInput)
    .output(GoldenMetrics)
    .query(({ ctx, input }) => metricsOf(ctx).queries.golden(input.scope, input.window)),
  series: viewerProcedure
    .input(MetricsSeriesInput)
    .output(z.array(GoldenPoint))
    .query(({ ctx, input }) => metricsOf(ctx).queries.series(input.scope, input.window, input.stepSeconds)),
  routes: viewerProcedure
    .input(MetricsRoutesInput)
    .output(MetricsRoutes)
    .query(({ ctx, input }) => metricsOf(ctx).queries.routes(input.namespace, input.service, input.window)),
  targets: viewerProcedure.output(MetricsStatus).query(({ ctx }) => metricsOf(ctx).status()),
});
