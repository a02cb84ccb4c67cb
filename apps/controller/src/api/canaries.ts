/**
 * `canaries.*`: canary rollouts the controller runs (see canary/runner.ts): start and
 * abort (admins), list and get with the timeline (viewers). Closing the dashboard does
 * not stop a canary, and a controller restart resumes it.
 */
import {
  Canary,
  CanaryIdInput,
  CanaryListInput,
  CanaryStartInput,
  CanarySummary,
  ErrorCode,
  MeshError,
} from '@weft/shared';
import { z } from 'zod';
import type { CanaryControl } from '../canary/control.ts';
import { type ApiContext, adminProcedure, router, viewerProcedure } from './trpc.ts';

/** The canary runner, or `WEFT_UNAVAILABLE` when this controller runs without one. */
function canaries(ctx: ApiContext): CanaryControl {
  if (!ctx.canaries)
    throw new MeshError(ErrorCode.unavailable, 'canaries are not enabled on this controller');
  return ctx.canaries;
}

/** Who a change is recorded as: the user's name, or the kind of caller. */
function authorOf(ctx: ApiContext): string {
  const c = ctx.caller;
  return c.kind === 'user' ? c.name : c.kind;
}

export const canariesRouter = router({
  start: adminProcedure
    .input(CanaryStartInput)
    .output(Canary)
    .mutation(({ ctx, input }) => canaries(ctx).start(input, authorOf(ctx))),
  abort: adminProcedure
    .input(CanaryIdInput)
    .output(Canary)
    .mutation(({ ctx, input }) => canaries(ctx).abort(input.id, authorOf(ctx))),
  list: viewerProcedure
    .input(CanaryListInput)
    .output(z.array(CanarySummary))
    .query(({ ctx, input }) => canaries(ctx).list(input.namespace)),
  get: viewerProcedure
    .input(CanaryIdInput)
    .output(Canary)
    .query(({ ctx, input }) => canaries(ctx).get(input.id)),
});
