/**
 * Live tap: the events a proxy streams from its admin port (`GET /tap`, server-sent
 * events) and the controller merges into `tap.watch`, the filters both accept, and the
 * header names whose values may be shown (every other header is shown by name only).
 */
import { z } from 'zod';
import { lazy } from './lazy.ts';

/** Headers whose values are never secret; any other header appears by name only. */
export const TAP_SAFE_HEADERS: readonly string[] = [
  'accept',
  'accept-encoding',
  'content-type',
  'content-length',
  'content-encoding',
  'user-agent',
  'grpc-timeout',
  'grpc-encoding',
  'te',
];

/** Limits of one tap: the most events per second it gets (the rest are counted as dropped). */
export const TAP_MAX_RATE = 1000;
export const TAP_DEFAULT_RATE = 100;
/** The most taps a proxy serves at once. */
export const TAP_MAX_CONCURRENT = 8;

const name = z.string().min(1).max(253);

/** What a tap selects; every field given must hold. */
export const TapFilter = lazy(() =>
  z
    .object({
      namespace: name.optional(),
      workload: name.optional(),
      toNamespace: name.optional(),
      toWorkload: name.optional(),
      method: z.string().min(1).max(32).optional(),
      pathPrefix: z.string().startsWith('/').max(2048).optional(),
      authority: z.string().min(1).max(512).optional(),
      statusClass: z.enum(['1xx', '2xx', '3xx', '4xx', '5xx']).optional(),
      /** Events per second for this tap (default `TAP_DEFAULT_RATE`). */
      maxRps: z.number().int().min(1).max(TAP_MAX_RATE).optional(),
    })
    .strict(),
);
export type TapFilter = z.infer<typeof TapFilter>;

/** One endpoint the balancer weighed: its peak-EWMA latency estimate and the cost compared. */
export const TapCandidate = lazy(() =>
  z.object({
    endpoint: z.string(),
    /** The decayed peak-EWMA round-trip estimate (ms). */
    ewmaMs: z.number(),
    /** Requests in flight on it when picked. */
    pending: z.number().int(),
    /** `ewmaMs × (pending + 1)`: the lower cost wins. */
    cost: z.number(),
  }),
);
export type TapCandidate = z.infer<typeof TapCandidate>;

/**
 * How the balancer chose an attempt's endpoint: `candidates` holds the two endpoints
 * power-of-two-choices drew (the chosen one first), or the only one there was.
 */
export const TapPick = lazy(() =>
  z.object({
    reason: z.enum(['only-endpoint', 'lower-cost', 'avoided-previous', 'failure-accrual']),
    candidates: z.array(TapCandidate).max(2),
  }),
);
export type TapPick = z.infer<typeof TapPick>;

/** One attempt of a request: the endpoint it went to and how it ended. */
export const TapAttempt = lazy(() =>
  z.object({
    endpoint: z.string().nullable(),
    /** How the balancer picked the endpoint (absent from older proxies). */
    pick: TapPick.nullable().optional(),
    status: z.number().int(),
    grpcStatus: z.number().int().nullable(),
    /** Why the attempt failed without a response (a proxy error reason), else null. */
    error: z.string().nullable(),
  }),
);
export type TapAttempt = z.infer<typeof TapAttempt>;

export const TapHeader = lazy(() => z.object({ name: z.string(), value: z.string().optional() }));
export type TapHeader = z.infer<typeof TapHeader>;

/** One finished request as a proxy saw it. */
export const TapEvent = lazy(() =>
  z.object({
    /** The proxy that saw it (`namespace/workload/pod` when known). */
    proxy: z.string(),
    direction: z.enum(['outbound', 'inbound']),
    /** When the request ended (ms since the epoch). */
    at: z.number(),
    source: z.object({ namespace: z.string().nullable(), workload: z.string().nullable() }),
    destination: z.object({ namespace: z.string().nullable(), workload: z.string().nullable() }),
    method: z.string(),
    authority: z.string(),
    path: z.string(),
    /** HTTP status (0: none reached the caller). */
    status: z.number().int(),
    grpcStatus: z.number().int().nullable(),
    latencyMs: z.number(),
    /** The request body's length when known up front, else null. */
    requestBytes: z.number().int().nullable(),
    /**
     * The mTLS identities of the hop's two ends, null when it was not mTLS: outbound, this
     * proxy's own and the endpoint's; inbound, the caller's (proved) and this proxy's own.
     */
    clientIdentity: z.string().nullable(),
    serverIdentity: z.string().nullable(),
    /** The matched route (`kind namespace/name`), null without a route policy. */
    route: z.string().nullable(),
    /**
     * Why that route: its rule's index in the route and the match that held, in words
     * (`PathPrefix /api, method GET`); routes are tried in Gateway API precedence order.
     */
    routeRule: z.number().int().nullable().optional(),
    routeMatch: z.string().nullable().optional(),
    /** The backend authority the split chose, and the endpoint the balancer picked last. */
    backend: z.string().nullable(),
    /** The Service (`namespace/name:port`) of that backend, when a policy names it. */
    backendService: z.string().nullable().optional(),
    endpoint: z.string().nullable(),
    attempts: z.array(TapAttempt),
    retries: z.number().int(),
    /** The timeout applied to the whole request and to each attempt (ms), null when none. */
    timeoutMs: z.number().nullable(),
    attemptTimeoutMs: z.number().nullable(),
    /** A fault injected: its status (HTTP or gRPC code), null when none. */
    fault: z
      .object({ status: z.number().int().nullable(), grpcStatus: z.number().int().nullable() })
      .nullable(),
    /** The proxy's own error reason when it answered itself. */
    proxyError: z.string().nullable(),
    /**
     * The inbound authorization decision (null outbound and on ports without policy):
     * `policy` is the rule that let the caller in (`AuthorizationPolicy ns/name`), null when
     * none did; `server` the Server (or default policy) that governs the port; `policies`
     * every rule the port has, so a denial can name what the caller failed; `audit` true
     * when a denied request was let through because the port only audits.
     */
    authorization: z
      .object({
        allowed: z.boolean(),
        policy: z.string().nullable(),
        server: z.string().optional(),
        policies: z.array(z.string()).max(64).optional(),
        audit: z.boolean().optional(),
      })
      .nullable(),
    headers: z.array(TapHeader),
  }),
);
export type TapEvent = z.infer<typeof TapEvent>;

/** Whether `status` falls in `cls` (`2xx`…). */
export function inStatusClass(status: number, cls: string): boolean {
  return Math.floor(status / 100) === Number(cls[0]);
}
