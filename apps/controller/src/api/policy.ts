/**
 * `policy.watch`: what each proxy subscribes to, shaped as `destination.get`. Streams
 * the whole policy of one authority (outbound) or one of the caller's own ports
 * (inbound): the current one at once, then again on every new revision. Events are
 * tracked so an SSE client that reconnects with `Last-Event-ID` gets the current policy.
 */
import { tracked } from '@trpc/server';
import { PolicyUpdate, PolicyWatchInput } from '@weft/shared';
import { policyService } from './policies.ts';
import { publicProcedure, router } from './trpc.ts';

export const policyRouter = router({
  watch: publicProcedure.input(PolicyWatchInput).subscription(async function* ({ ctx, input, signal }) {
    let seq = 0;
    for await (const update of policyService(ctx).watch(input, signal)) {
      seq += 1;
      yield tracked(`${update.policy.revision}-${Date.now()}-${seq}`, PolicyUpdate.parse(update));
    }
  }),
});
