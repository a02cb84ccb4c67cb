/**
 * The API's one infrastructure module.
 *
 * 1. CONTEXT: the services every procedure can reach (`ctx.platform`, ...). Another
 *    part adds its service by adding a field to `ApiServices` and one wiring line in
 *    `main.ts`.
 * 2. INITIALIZATION: tRPC with plain JSON (no transformer) and one error formatter.
 * 3. ROUTER & PROCEDURE: `router` and `publicProcedure`; every `MeshError` code and
 *    every input validation issue is mapped to a tRPC error here, and nowhere else.
 */

import { initTRPC, TRPCError } from '@trpc/server';
import { ErrorCode, MeshError } from '@weft/shared';
import type { Platform } from '../core/platform.ts';
import type { Destination } from '../destination/destination.ts';
import type { IdentityService } from '../identity/service.ts';
import type { MetricsService } from '../metrics/service.ts';
import type { PolicyService } from '../policy/service.ts';

// === 1. CONTEXT ===

/** Long-lived services the procedures use, built once in `main.ts` (or a test). */
export interface ApiServices {
  platform: Platform;
  destination: Destination;
  /** When the controller started (ms since epoch). */
  startedAt: number;
  version: string;
  /** The CA behind `identity.*`; absent, those procedures answer `WEFT_UNAVAILABLE`. */
  identity?: IdentityService;
  /** Scraping, golden metrics and topology behind `metrics.*`/`topology.*`; absent, they answer `WEFT_UNAVAILABLE`. */
  metrics?: MetricsService;
  /** Traffic policy behind `policies.*`/`policy.watch`; absent, they answer `WEFT_UNAVAILABLE`. */
  policy?: PolicyService;
}

/** What every procedure receives as `ctx`. */
export type ApiContext = ApiServices;

/** Builds the per-request context (the services are shared; nothing is per request yet). */
export function createContext(services: ApiServices): ApiContext {
  return services;
}

// === 2. INITIALIZATION ===

type TrpcCode = TRPCError['code'];

/** `MeshError` code → tRPC error code (and so the HTTP status). */
const CODE_MAP: Record<ErrorCode, TrpcCode> = {
  [ErrorCode.invalidInput]: 'BAD_REQUEST',
  [ErrorCode.notFound]: 'NOT_FOUND',
  [ErrorCode.conflict]: 'CONFLICT',
  [ErrorCode.unavailable]: 'SERVICE_UNAVAILABLE',
  [ErrorCode.unauthenticated]: 'UNAUTHORIZED',
  [ErrorCode.forbidden]: 'FORBIDDEN',
  [ErrorCode.timeout]: 'TIMEOUT',
  [ErrorCode.internal]: 'INTERNAL_SERVER_ERROR',
};

interface Issue {
  path: PropertyKey[];
  message: string;
}

function inputIssues(cause: unknown): Issue[] | undefined {
  if (typeof cause !== 'object' || cause === null) return undefined;
  const issues = (cause as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return undefined;
  return issues as Issue[];
}

/** `namespace: must not be empty; replicas: must be at most 20`. */
export function describeIssues(issues: readonly Issue[]): string {
  return issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : 'input'}: ${i.message}`)
    .join('; ');
}

/** Turns anything a procedure threw into the tRPC error the client sees. */
export function toTRPCError(err: unknown): TRPCError {
  if (err instanceof TRPCError) {
    if (err.cause instanceof MeshError) return toTRPCError(err.cause);
    const issues = err.code === 'BAD_REQUEST' ? inputIssues(err.cause) : undefined;
    if (issues)
      return new TRPCError({
        code: 'BAD_REQUEST',
        message: `invalid input: ${describeIssues(issues)}`,
        cause: err.cause,
      });
    return err;
  }
  if (err instanceof MeshError)
    return new TRPCError({ code: CODE_MAP[err.code], message: err.message, cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message, cause: err });
}

const t = initTRPC.context<ApiContext>().create({
  // Errors never carry server stack traces to clients.
  isDev: false,
  // Keep idle SSE streams (rollout, destination) alive through proxies; clients reconnect after silence.
  sse: { ping: { enabled: true, intervalMs: 10_000 }, client: { reconnectAfterInactivityMs: 25_000 } },
  errorFormatter({ shape, error }) {
    const issues = error.code === 'BAD_REQUEST' ? inputIssues(error.cause) : undefined;
    const mesh = error.cause instanceof MeshError ? error.cause.code : undefined;
    return {
      ...shape,
      message: issues ? `invalid input: ${describeIssues(issues)}` : shape.message,
      data: {
        ...shape.data,
        meshCode: mesh ?? (issues ? ErrorCode.invalidInput : undefined),
        issues: issues?.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      },
    };
  },
});

// === 3. ROUTER & PROCEDURE ===

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Maps thrown `MeshError`s once, so routers just throw them. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toTRPCError(result.error);
  return result;
});

/** The base of every procedure (no authentication yet: the API listens on loopback). */
export const publicProcedure = t.procedure.use(mapErrors);

/** Throws `WEFT_NOT_FOUND` naming the missing object. */
export function notFound(what: string): never {
  throw new MeshError(ErrorCode.notFound, `${what} not found`);
}
