/**
 * `tap.watch`: live requests from the selected proxies, merged (viewer role or above).
 * The filter's `namespace` / `workload` choose the proxies (the meshed, running pods of
 * that namespace / workload; every meshed pod when neither is given) and the whole filter
 * goes to each proxy. The pods are listed again every `TAP_RESCAN_MS`, so a proxy that
 * restarts, or a pod that replaces another, is tapped again. Yields tap events, each
 * proxy's status when it changes (tapping, refused, ended), and how many events were
 * dropped by the bounds. At most `TAP_MAX_WATCHES` taps run on the controller at once.
 */
import { ErrorCode, MeshError, type Pod, TapFilter } from '@weft/shared';
import { TAP_MAX_PROXIES, TapMerge, type TapSource } from '../tap/merge.ts';
import { router, viewerProcedure } from './trpc.ts';

/** The most `tap.watch` subscriptions the controller serves at once. */
export const TAP_MAX_WATCHES = 16;
/** How often the tapped pods are listed again (ms). */
export const TAP_RESCAN_MS = 2000;

let watching = 0;

function sourcesOf(pods: readonly Pod[]): TapSource[] {
  const sources: TapSource[] = [];
  for (const p of pods) {
    if (!p.meshed || p.proxyAdmin === null || p.phase !== 'Running') continue;
    if (sources.length >= TAP_MAX_PROXIES) break;
    sources.push({ name: `${p.namespace}/${p.name}`, admin: p.proxyAdmin });
  }
  return sources;
}

export const tapRouter = router({
  watch: viewerProcedure.input(TapFilter).subscription(async function* ({ ctx, input, signal }) {
    if (watching >= TAP_MAX_WATCHES)
      throw new MeshError(
        ErrorCode.unavailable,
        `too many live taps: the controller serves at most ${TAP_MAX_WATCHES} at once; close one and try again`,
      );
    watching++;
    try {
      const list = (): TapSource[] => sourcesOf(ctx.platform.listPods(input.namespace, input.workload));
      const merge = new TapMerge(list, input, { rescanMs: TAP_RESCAN_MS });
      yield* merge.items(signal);
    } finally {
      watching--;
    }
  }),
});
