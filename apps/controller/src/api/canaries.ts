/**
 * `canaries.*`: canary rollouts the controller runs (see canary/runner.ts): start and
 * abort (admins), list, get with the timeline, and watch (the canary again on every
 * change, until it ends) for viewers. Closing the dashboard does not stop a canary, and a
 * controller restart resumes it.
 */
import { tracked } from '@trpc/server';
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
import { ChangeSignal } from '../core/change-signal.ts';
import { type ApiContext, adminProcedure, router, viewerProcedure } from './trpc.ts';

/** The canary runner, or `WEFT_UNAVAILABLE` when this controller runs without one. */
function canaries(ctx: ApiContext): CanaryControl {
  if (!ctx.canaries)
    throw new MeshError(ErrorCode.unavailable, 'canaries are not enabled on this controller');
  return ctx.canaries;
}

/** At most this many `canaries.watch` streams at once. */
export const MAX_CANARY_STREAMS = 1000;
let streams = 0;

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
  /** The canary now, then again on every change; the stream ends once the canary has ended. */
  watch: viewerProcedure.input(CanaryIdInput).subscription(async function* ({ ctx, input, signal }) {
    const runner = canaries(ctx);
    runner.get(input.id);
    if (streams >= MAX_CANARY_STREAMS)
      throw new MeshError(ErrorCode.unavailable, `too many canary streams (at most ${MAX_CANARY_STREAMS})`);
    streams += 1;
    const changed = new ChangeSignal();
    const unsubscribe = runner.subscribe(() => changed.notify());
    try {
      let last = '';
      let seq = 0;
      while (!signal?.aborted) {
        const c = runner.get(input.id);
        const key = JSON.stringify(c);
        if (key !== last) {
          last = key;
          seq += 1;
          yield tracked(String(seq), c);
        }
        if (c.phase !== 'running') return;
        await changed.wait(signal);
      }
    } finally {
      unsubscribe();
      streams -= 1;
    }
  }),
});
