/**
 * Why a policy change through the API cannot be written to the cluster, as the error the
 * API answers (used by the policy resource sync): a kind this replica has not listed yet
 * or is not watching (`WEFT_NOT_READY`: try again), a kind the cluster does not serve
 * (`WEFT_UNAVAILABLE`: its CRD is not installed), an annotation overlay changed on a
 * replica not holding the Lease (`WEFT_UNAVAILABLE`).
 */
import { ErrorCode, MeshError } from '@weft/shared';

/** Why a kind's last list or watch failed; `notServed` when the API server answered 404 (no CRD). */
export interface ListFailure {
  why: string;
  notServed: boolean;
}

/** The informer's error as a `ListFailure`. */
export function failureOf(err: unknown): ListFailure {
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown } | null;
  const status = e?.code ?? e?.statusCode;
  const why =
    typeof status === 'number'
      ? `the API server answered ${status}`
      : typeof e?.message === 'string'
        ? e.message
        : String(err);
  return { why, notServed: status === 404 };
}

const NOTHING_CHANGED = 'on Kubernetes policies live in the cluster, so nothing was changed';

/**
 * The refusal for a change to `what` (`Kind namespace/name`) of `resource`
 * (`plural.group/version`), or undefined when the kind is listed and watched.
 */
export function kindRefusal(
  what: string,
  resource: string,
  listed: boolean,
  failure: ListFailure | undefined,
): MeshError | undefined {
  if (failure?.notServed)
    return new MeshError(
      ErrorCode.unavailable,
      `${what}: the cluster does not serve ${resource} (is its CRD installed?); ${NOTHING_CHANGED}`,
    );
  if (listed && !failure) return undefined;
  const state = listed
    ? `is not watching ${resource} in the cluster`
    : `has not listed ${resource} from the cluster yet`;
  const why = failure
    ? `its last attempt failed: ${failure.why}; it tries again every 2 s`
    : 'it is starting';
  return new MeshError(
    ErrorCode.notReady,
    `${what}: this controller replica ${state} (${why}); ${NOTHING_CHANGED}: try again shortly`,
  );
}

/** The refusal for an annotation overlay changed on a replica not holding the Lease. */
export function overlayRefusal(what: string, kind: string): MeshError {
  return new MeshError(
    ErrorCode.unavailable,
    `${what}: on Kubernetes annotation overlays are kept by the controller replica holding the weft-controller Lease, and this one does not hold it; annotate the ${kind} itself (kubectl annotate), or apply it through the leader`,
  );
}
