/**
 * `tap.watch`: live requests from the selected proxies, merged (viewer role or above).
 * The filter's `namespace` / `workload` choose the proxies (the meshed, running pods of
 * that namespace / workload; every meshed pod when neither is given) and the whole filter
 * goes to each proxy. Yields tap events and, per proxy, its status (tapping, refused, ended).
 */
import { TapFilter } from '@weft/shared';
import { TAP_MAX_PROXIES, TapMerge, type TapSource } from '../tap/merge.ts';
import { router, viewerProcedure } from './trpc.ts';

export const tapRouter = router({
  watch: viewerProcedure.input(TapFilter).subscription(async function* ({ ctx, input, signal }) {
    const sources: TapSource[] = [];
    for (const p of ctx.platform.listPods(input.namespace, input.workload)) {
      if (!p.meshed || p.proxyAdmin === null || p.phase !== 'Running') continue;
      if (sources.length >= TAP_MAX_PROXIES) break;
      sources.push({ name: `${p.namespace}/${p.name}`, admin: p.proxyAdmin });
    }
    const merge = new TapMerge(sources, input);
    yield* merge.items(signal);
  }),
});
