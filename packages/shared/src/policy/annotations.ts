/**
 * The annotations that configure retries, timeouts and failure accrual on a Service or
 * a route, as Linkerd 2.16+ spells them. Each key exists under Weft's prefix
 * (`retry.weft.dev/http`) and Linkerd's (`retry.linkerd.io/http`); both are read, and
 * Weft's wins when both are set.
 */

export const ANNOTATION_PREFIXES = { weft: 'weft.dev', linkerd: 'linkerd.io' } as const;

/** The keys after `<group>.<prefix>/`, per group: `retry.weft.dev/limit` is group `retry`, name `limit`. */
export const POLICY_ANNOTATIONS = {
  retry: ['http', 'grpc', 'limit', 'timeout'],
  timeout: ['request', 'response', 'idle'],
  balancer: [
    'failure-accrual',
    'failure-accrual-consecutive-max-failures',
    'failure-accrual-consecutive-min-penalty',
    'failure-accrual-consecutive-max-penalty',
    'failure-accrual-consecutive-jitter-ratio',
  ],
} as const;
export type PolicyAnnotationGroup = keyof typeof POLICY_ANNOTATIONS;

/** The gRPC status names the `grpc` retry annotation accepts, with their codes. */
export const RETRYABLE_GRPC_STATUSES: Readonly<Record<string, number>> = {
  cancelled: 1,
  'deadline-exceeded': 4,
  'resource-exhausted': 8,
  internal: 13,
  unavailable: 14,
};

/** `retry.weft.dev/http`, `timeout.linkerd.io/idle`, ... */
export function policyAnnotationKey(
  group: PolicyAnnotationGroup,
  name: string,
  prefix: keyof typeof ANNOTATION_PREFIXES = 'weft',
): string {
  return `${group}.${ANNOTATION_PREFIXES[prefix]}/${name}`;
}
