/**
 * `policies.*`: applyYaml (multi-document YAML, all or nothing, with `dryRun`), list, get,
 * delete, revisions, one revision, rollback, and propagation (which proxies run which
 * revision). Reads are queries (viewers), writes are mutations (admins), each its own
 * procedure.
 */
import {
  ErrorCode,
  MeshError,
  NamespaceFilterInput,
  PolicyApplyInput,
  PolicyApplyResult,
  PolicyListItem,
  PolicyPropagation,
  PolicyPropagationInput,
  PolicyRefInput,
  PolicyRevision,
  PolicyRevisionInput,
  PolicyRevisionSummary,
} from '@weft/shared';
import { z } from 'zod';
import type { PolicyService } from '../policy/service.ts';
import { type ApiContext, adminProcedure, router, viewerProcedure } from './trpc.ts';

/** The policy service, or `WEFT_UNAVAILABLE` when this controller runs without one. */
export function policyService(ctx: ApiContext): PolicyService {
  if (!ctx.policy)
    throw new MeshError(ErrorCode.unavailable, 'traffic policy is not enabled on this controller');
  return ctx.policy;
}

export const policiesRouter = router({
  // tRPC reserves `apply` (and `call`, `then`) as procedure names.
  applyYaml: adminProcedure
    .input(PolicyApplyInput)
    .output(PolicyApplyResult)
    .mutation(({ ctx, input }) => policyService(ctx).apply(input.yaml, { dryRun: input.dryRun })),
  delete: adminProcedure
    .input(PolicyRefInput)
    .output(PolicyApplyResult)
    .mutation(({ ctx, input }) => policyService(ctx).delete(input)),
  rollback: adminProcedure
    .input(PolicyRevisionInput)
    .output(PolicyApplyResult)
    .mutation(({ ctx, input }) => policyService(ctx).rollback(input.revision)),
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
});
