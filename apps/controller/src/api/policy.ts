/**
 * `policy.watch`: what each proxy subscribes to, shaped as `destination.get`. Streams
 * the whole policy of one authority (outbound) or one of the caller's own ports
 * (inbound): the current one at once, then again on every new revision. Events are
 * tracked so an SSE client that reconnects with `Last-Event-ID` gets the current policy.
 * Proxies only, with their workload token; inbound only for their own workload.
 */
import { tracked } from '@trpc/server';
import { PolicyWatchInput } from '@weft/shared';
import { policyService } from './policies.ts';
import { proxyProcedure, requireOwnWorkload, router } from './trpc.ts';

export const policyRouter = router({
  watch: proxyProcedure.input(PolicyWatchInput).subscription(async function* ({ ctx, input, signal }) {
    // Inbound policy is the proxy's own: a proxy may watch only its own workload's ports.
    if ('workload' in input) requireOwnWorkload(ctx.workload, input.workload.namespace, input.workload.name);
    let seq = 0;
    for await (const update of policyService(ctx).watch(input, signal)) {
      seq += 1;
      // Plans are compiled (and checked against the schema in the compile tests) once per
      // revision, not parsed again for each of many streams.
      yield tracked(`${update.policy.revision}-${Date.now()}-${seq}`, update);
    }
  }),
});
