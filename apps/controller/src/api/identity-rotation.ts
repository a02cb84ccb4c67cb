/**
 * `identity.rotation.*`: the guided rotation of the issuer or the trust anchor (status for
 * viewers; start, advance and cancel for admins), and `identity.watch`, the stream that
 * tells each proxy which issuer signs and which anchors to trust, so it renews at once
 * when a rotation step changes them.
 */
import {
  ActiveRotation,
  ErrorCode,
  type IdentityWatchEvent,
  IdentityWatchInput,
  MeshError,
  RotationAdvanceInput,
  RotationStartInput,
  RotationStatus,
} from '@weft/shared';
import type { RotationMachine } from '../identity/rotation.ts';
import type { IdentityService } from '../identity/service.ts';
import { adminProcedure, proxyProcedure, router, viewerProcedure } from './trpc.ts';

function machine(rotation: RotationMachine | undefined): RotationMachine {
  if (!rotation) throw new MeshError(ErrorCode.unavailable, 'identity: this controller cannot rotate its CA');
  return rotation;
}

export const rotationRouter = router({
  status: viewerProcedure.output(RotationStatus).query(({ ctx }) => machine(ctx.rotation).status()),
  start: adminProcedure
    .input(RotationStartInput)
    .output(ActiveRotation)
    .mutation(({ ctx, input }) => machine(ctx.rotation).start(input)),
  advance: adminProcedure
    .input(RotationAdvanceInput)
    .output(RotationStatus)
    .mutation(({ ctx, input }) => machine(ctx.rotation).advance(input)),
  cancel: adminProcedure.output(RotationStatus).mutation(({ ctx }) => machine(ctx.rotation).cancel()),
});

/** The current event at once, then the latest after each change (only the newest is kept). */
export async function* watchAuthority(
  identity: IdentityService | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<IdentityWatchEvent> {
  if (!identity) throw new MeshError(ErrorCode.unavailable, 'identity: this controller runs without a CA');
  const authority = identity.authority;
  let pending: IdentityWatchEvent | undefined = authority.event();
  let wake: (() => void) | undefined;
  const off = authority.onChange((e) => {
    pending = e;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    while (!signal?.aborted) {
      if (pending) {
        const e = pending;
        pending = undefined;
        yield e;
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    off();
    signal?.removeEventListener('abort', onAbort);
  }
}

/** `identity.watch`, for proxies; what a proxy says it holds updates its pod's record. */
export const identityWatch = proxyProcedure
  .input(IdentityWatchInput)
  .subscription(({ ctx, input, signal }) => {
    const pod = ctx.workload?.pod;
    if (input && pod && ctx.identity) ctx.identity.noteHeld(ctx.workload?.namespace ?? '', pod, input);
    return watchAuthority(ctx.identity, signal);
  });
