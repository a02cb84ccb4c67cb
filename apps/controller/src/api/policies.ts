/**
 * `policies.*`: applyYaml (multi-document YAML, all or nothing, with `dryRun`), list, get,
 * delete, revisions, one revision, rollback, and propagation (which proxies run which
 * revision), and authorization (for a workload port: who is allowed, and who is calling
 * now with the policy's verdict on each). For the editor: describeChange,
 * describeRevision and describeRollback (a change in words), trafficImpact (a dry run
 * against observed traffic). Reads are queries (viewers), writes are mutations (admins), each its own
 * procedure.
 */
import {
  DescribeChangeInput,
  DescribeRevisionInput,
  ErrorCode,
  MeshError,
  NamespaceFilterInput,
  PolicyApplyInput,
  PolicyApplyResult,
  PolicyChangeDescription,
  PolicyListItem,
  PolicyPropagation,
  PolicyPropagationInput,
  PolicyRefInput,
  PolicyRevision,
  PolicyRevisionInput,
  PolicyRevisionSummary,
  PortAuthorization,
  PortAuthorizationInput,
  TrafficImpact,
  TrafficImpactInput,
} from '@weft/shared';
import { z } from 'zod';
import { describeCaller } from '../auth/caller.ts';
import { observedCallers } from '../policy/authz-report.ts';
import { describeChange, describeRevision, describeRollback } from '../policy/describe.ts';
import { trafficImpact } from '../policy/impact.ts';
import type { PolicyService } from '../policy/service.ts';
import { type ApiContext, adminProcedure, router, viewerProcedure } from './trpc.ts';

/** The policy service, or `WEFT_UNAVAILABLE` when this controller runs without one. */
export function policyService(ctx: ApiContext): PolicyService {
  if (!ctx.policy)
    throw new MeshError(ErrorCode.unavailable, 'traffic policy is not enabled on this controller');
  return ctx.policy;
}

/** Who a revision is recorded as written by: the user's name, `admin-token`, or `local` with auth off. */
function authorOf(ctx: ApiContext): string {
  return ctx.caller.kind === 'anonymous' ? 'anonymous' : describeCaller(ctx.caller).name;
}

export const policiesRouter = router({
  // tRPC reserves `apply` (and `call`, `then`) as procedure names.
  applyYaml: adminProcedure
    .input(PolicyApplyInput)
    .output(PolicyApplyResult)
    .mutation(({ ctx, input }) =>
      policyService(ctx).apply(input.yaml, { dryRun: input.dryRun, author: authorOf(ctx) }),
    ),
  delete: adminProcedure
    .input(PolicyRefInput)
    .output(PolicyApplyResult)
    .mutation(({ ctx, input }) => policyService(ctx).delete(input, authorOf(ctx))),
  rollback: adminProcedure
    .input(PolicyRevisionInput)
    .output(PolicyApplyResult)
    .mutation(({ ctx, input }) => policyService(ctx).rollback(input.revision, authorOf(ctx))),
  list: viewerProcedure
    .input(NamespaceFilterInput)
    .output(z.array(PolicyListItem))
    .query(({ ctx, input }) => policyService(ctx).list(input.namespace)),
  get: viewerProcedure
    .input(PolicyRefInput)
    .output(PolicyListItem)
    .query(({ ctx, input }) => policyService(ctx).get(input)),
  revisions: viewerProcedure
    .output(z.array(PolicyRevisionSummary))
    .query(({ ctx }) => policyService(ctx).revisions()),
  revision: viewerProcedure
    .input(PolicyRevisionInput)
    .output(PolicyRevision)
    .query(({ ctx, input }) => policyService(ctx).revisionDetail(input.revision)),
  propagation: viewerProcedure
    .input(PolicyPropagationInput)
    .output(PolicyPropagation)
    .query(({ ctx, input }) => policyService(ctx).propagation(input.revision)),
  authorization: viewerProcedure
    .input(PortAuthorizationInput)
    .output(PortAuthorization)
    .query(async ({ ctx, input }) => {
      const workload = { namespace: input.namespace, name: input.workload };
      const authz = policyService(ctx).inbound(workload, input.port).authz;
      // Callers come from the topology when metrics run here; without them, only the rules.
      const edges = ctx.metrics
        ? (
            await ctx.metrics.topology.edges(input.window, {
              namespace: input.namespace,
              workload: input.workload,
            })
          ).filter(
            (e) => e.destination.namespace === input.namespace && e.destination.name === input.workload,
          )
        : [];
      return {
        namespace: input.namespace,
        workload: input.workload,
        port: input.port,
        authz,
        callers: observedCallers(authz, edges, ctx.platform.listPods()),
      };
    }),
  describeChange: viewerProcedure
    .input(DescribeChangeInput)
    .output(PolicyChangeDescription)
    .query(({ ctx, input }) => describeChange(policyService(ctx), ctx.platform, input.yaml)),
  describeRevision: viewerProcedure
    .input(DescribeRevisionInput)
    .output(PolicyChangeDescription)
    .query(({ ctx, input }) => describeRevision(policyService(ctx), ctx.platform, input.revision)),
  describeRollback: viewerProcedure
    .input(PolicyRevisionInput)
    .output(PolicyChangeDescription)
    .query(({ ctx, input }) => describeRollback(policyService(ctx), ctx.platform, input.revision)),
  trafficImpact: viewerProcedure
    .input(TrafficImpactInput)
    .output(TrafficImpact)
    .query(({ ctx, input }) => {
      const metrics = ctx.metrics;
      return trafficImpact(
        policyService(ctx),
        ctx.platform,
        metrics ? (seconds) => metrics.topology.edgesOver(seconds) : undefined,
        input.yaml,
        input.windowMinutes,
        metrics
          ? async (namespace, service, seconds) =>
              await metrics.backend.routes({ parent: { namespace, name: service }, seconds, trendPoints: 1 })
          : undefined,
      );
    }),
});
