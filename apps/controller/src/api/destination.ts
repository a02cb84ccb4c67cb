/**
 * `destination.get`: what proxies subscribe to. Streams the whole `EndpointSet` of an
 * authority, then again on every change. Events are tracked so an SSE client that
 * reconnects with `Last-Event-ID` resumes (it gets the current set at once). Proxies only,
 * with their workload token.
 */

import { tracked } from '@trpc/server';
import { DestinationInput, EndpointSet } from '@weft/shared';
import { proxyProcedure, router } from './trpc.ts';

export const destinationRouter = router({
  get: proxyProcedure.input(DestinationInput).subscription(async function* ({ ctx, input, signal }) {
    let seq = 0;
    for await (const set of ctx.destination.watch(input.authority, signal)) {
      seq += 1;
      yield tracked(`${Date.now()}-${seq}`, EndpointSet.parse(set));
    }
  }),
});
