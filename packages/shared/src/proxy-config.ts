/**
 * The proxy's static configuration file (`npm run proxy -- --config file.json`, or
 * `WEFT_PROXY_CONFIG`): listeners for standalone use, and authority → endpoints with
 * per-route timeouts and retries, the static source of the proxy's resolver.
 */
import { z } from 'zod';
import { NamespaceName, ObjectName } from './names.ts';
import { InboundPolicy, OutboundPolicy } from './policy-plan.ts';
import { Authority, WorkloadRef } from './workload.ts';

/** `host:port`, as the proxy's listen addresses are written. */
export const ListenAddress = z
  .string()
  .regex(/^[A-Za-z0-9.:[\]-]+:\d{1,5}$/, 'must be host:port, such as 127.0.0.1:4140');

/** One endpoint of a statically configured destination. */
export const StaticEndpoint = z.object({
  address: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  namespace: NamespaceName.optional(),
  workload: ObjectName.optional(),
  pod: z.string().optional(),
  meshed: z.boolean().default(false),
  identity: z.string().optional(),
});
export type StaticEndpoint = z.infer<typeof StaticEndpoint>;

/** A route of a destination: requests whose path starts with `pathPrefix`. */
export const ProxyRoute = z.object({
  pathPrefix: z.string().startsWith('/').default('/'),
  /** Whole-request timeout in milliseconds (to the response head); unset: none. */
  timeoutMs: z.number().int().positive().optional(),
  /** Whether idempotent requests on this route are retried (under the retry budget). */
  retries: z.boolean().default(true),
  /** Response statuses that are retried, beside connection failures. */
  retryStatuses: z.array(z.number().int().min(100).max(599)).default([502, 503, 504]),
});
export type ProxyRoute = z.infer<typeof ProxyRoute>;

/** A statically resolved destination. */
export const StaticDestination = z.object({
  service: WorkloadRef.nullable().default(null),
  endpoints: z.array(StaticEndpoint),
  routes: z.array(ProxyRoute).default([]),
});
export type StaticDestination = z.infer<typeof StaticDestination>;

/** Timeouts of the proxy's servers, in milliseconds. */
export const ProxyTimeouts = z.object({
  /** A request head must arrive within this once its first byte did (else 408). */
  headerMs: z.number().int().positive().default(10_000),
  /** A keep-alive client connection idle this long is closed. */
  idleMs: z.number().int().positive().default(60_000),
  /**
   * A request body that brings no byte for this long (while the proxy is reading it) is
   * cut off: 408 if no answer began, else the connection is closed.
   */
  bodyMs: z.number().int().positive().default(30_000),
  /**
   * Protocol detection gives up and treats the connection as opaque TCP after this. Short,
   * so a server-speaks-first protocol does not wait long; long enough that a meshed peer's
   * ClientHello, slowed by a busy CPU, is not mistaken for silence.
   */
  detectMs: z.number().int().positive().default(1_000),
  /**
   * Connecting to an endpoint fails after this (504 connect-timeout): a TCP or HTTP/1
   * connection, and an HTTP/2 session (gRPC, HTTP/1 carried between meshed proxies) up to
   * the endpoint's SETTINGS.
   */
  connectMs: z.number().int().positive().default(3_000),
  /** A request waits this long for its authority's first resolution (503 after). */
  resolveMs: z.number().int().positive().default(3_000),
  /** A destination unused this long has its balancer and pool dropped. */
  cacheIdleMs: z.number().int().positive().default(60_000),
});
export type ProxyTimeouts = z.infer<typeof ProxyTimeouts>;

/** Bounds of the HTTP/2 server. */
export const ProxyHttp2 = z.object({
  /**
   * Milliseconds a stream waits for a slot on a pooled endpoint session (every session
   * full, or one still connecting) before the proxy answers 503 `stream-queue-timeout`.
   */
  queueTimeoutMs: z.number().int().positive().default(10_000),
  /** Streams waiting for a session slot, per endpoint, at most; beyond, 503 `stream-queue-full`. */
  maxQueuedStreams: z.number().int().positive().default(1_000),
});
export type ProxyHttp2 = z.infer<typeof ProxyHttp2>;

/** The whole file. Listener fields override the environment's defaults. */
export const ProxyConfig = z.object({
  inbound: z
    .object({
      host: z.string().optional(),
      appHost: z.string().optional(),
      /** `public:app` port pairs. */
      ports: z
        .array(
          z.object({ public: z.number().int().min(0).max(65535), app: z.number().int().min(1).max(65535) }),
        )
        .optional(),
    })
    .optional(),
  outbound: z.object({ listen: ListenAddress }).optional(),
  admin: z.object({ listen: ListenAddress }).optional(),
  destinations: z.record(Authority, StaticDestination).default({}),
  /** Routes for destinations resolved by the controller, per authority. */
  routes: z.record(Authority, z.array(ProxyRoute)).default({}),
  /**
   * Traffic policy per authority, as the controller's `policy.watch` would send it
   * (routes, splits, retries, timeouts, faults, failure accrual). A policy from the
   * controller for the same authority replaces it while the controller provides one.
   */
  policies: z.array(OutboundPolicy).default([]),
  /**
   * Inbound policy (authorization, rate limit) per app port (`port`), as `policy.watch`
   * would send it; a policy from the controller for that port replaces it.
   */
  inboundPolicies: z.array(InboundPolicy).max(64).default([]),
  timeouts: ProxyTimeouts.default(ProxyTimeouts.parse({})),
  http2: ProxyHttp2.default(ProxyHttp2.parse({})),
});
export type ProxyConfig = z.infer<typeof ProxyConfig>;
