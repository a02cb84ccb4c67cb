/**
 * The API's one infrastructure module.
 *
 * 1. CONTEXT: the services every procedure can reach (`ctx.platform`, ...) and the
 *    authenticated caller (`ctx.caller`). Another part adds its service by adding a
 *    field to `ApiServices` and one wiring line in `main.ts`.
 * 2. INITIALIZATION: tRPC with plain JSON (no transformer) and one error formatter.
 * 3. ROUTER & PROCEDURES: every procedure says who may call it by the base it is built
 *    on: `viewerProcedure` (reads), `adminProcedure` (changes), `proxyProcedure` (a
 *    proxy's workload token), `publicProcedure` (logging in only). 401 (no or a refused
 *    credential), 403 (the wrong role), every `MeshError` code and every input
 *    validation issue are mapped to a tRPC error here, and nowhere else.
 */

import { initTRPC, TRPCError } from '@trpc/server';
import { ErrorCode, MeshError } from '@weft/shared';
import { type Caller, roleOf } from '../auth/caller.ts';
import type { AuthService } from '../auth/service.ts';
import type { CanaryControl } from '../canary/control.ts';
import type { Platform } from '../core/platform.ts';
import type { Destination } from '../destination/destination.ts';
import type { RotationMachine } from '../identity/rotation.ts';
import type { IdentityService } from '../identity/service.ts';
import type { TokenIdentity } from '../identity/token.ts';
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
  /** The CA rotation behind `identity.rotation.*`; absent, those answer `WEFT_UNAVAILABLE`. */
  rotation?: RotationMachine;
  /** Scraping, golden metrics and topology behind `metrics.*`/`topology.*`; absent, they answer `WEFT_UNAVAILABLE`. */
  metrics?: MetricsService;
  /** Traffic policy behind `policies.*`/`policy.watch`; absent, they answer `WEFT_UNAVAILABLE`. */
  policy?: PolicyService;
  /** Canary rollouts behind `canaries.*`; absent, those answer `WEFT_UNAVAILABLE`. */
  canaries?: CanaryControl;
  /** Logins, sessions and login links behind `auth.*`; absent, those answer `WEFT_UNAVAILABLE`. */
  auth?: AuthService;
  /** Mints fresh workload tokens for `identity.renewToken`. */
  workloadTokens?: { issue(who: TokenIdentity): string; ttlMs: number };
}

/** What every procedure receives as `ctx`: the shared services and who is calling. */
export type ApiContext = ApiServices & { caller: Caller };

/** Builds the per-request context: the shared services and the caller authenticated for this request. */
export function createContext(services: ApiServices, caller: Caller): ApiContext {
  return { ...services, caller };
}

// === 2. INITIALIZATION ===

type TrpcCode = TRPCError['code'];

/** `MeshError` code → tRPC error code (and so the HTTP status). */
const CODE_MAP: Record<ErrorCode, TrpcCode> = {
  [ErrorCode.invalidInput]: 'BAD_REQUEST',
  [ErrorCode.notFound]: 'NOT_FOUND',
  [ErrorCode.conflict]: 'CONFLICT',
  [ErrorCode.unavailable]: 'SERVICE_UNAVAILABLE',
  [ErrorCode.notReady]: 'SERVICE_UNAVAILABLE',
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

/** Anyone, authenticated or not: only for logging in. */
export const publicProcedure = t.procedure.use(mapErrors);

function unauthenticated(caller: Caller): never {
  const why = caller.kind === 'anonymous' && caller.refused ? `: ${caller.refused}` : '';
  throw new MeshError(
    ErrorCode.unauthenticated,
    `authentication required${why} (send "Authorization: Bearer <token>", or log in to the dashboard)`,
  );
}

/** Any authenticated caller (`auth.me`). */
export const authenticatedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.caller.kind === 'anonymous') unauthenticated(ctx.caller);
  return next();
});

/** Reads: a viewer or an admin. */
export const viewerProcedure = publicProcedure.use(({ ctx, next, path }) => {
  if (ctx.caller.kind === 'anonymous') unauthenticated(ctx.caller);
  if (roleOf(ctx.caller) === undefined)
    throw new MeshError(ErrorCode.forbidden, `${path}: a workload token may not read the API`);
  return next();
});

/** Changes to the mesh (and reads that can leak secrets, such as logs): admins only. */
export const adminProcedure = publicProcedure.use(({ ctx, next, path }) => {
  if (ctx.caller.kind === 'anonymous') unauthenticated(ctx.caller);
  if (roleOf(ctx.caller) !== 'admin')
    throw new MeshError(ErrorCode.forbidden, `${path}: needs the admin role`);
  return next();
});

/** What a proxy needs: a workload token (or auth off). `ctx.workload` is whom the token proves. */
export const proxyProcedure = publicProcedure.use(({ ctx, next, path }) => {
  const caller = ctx.caller;
  if (caller.kind === 'anonymous') unauthenticated(caller);
  if (caller.kind === 'auth-off') return next({ ctx: { workload: undefined as TokenIdentity | undefined } });
  if (caller.kind !== 'workload')
    throw new MeshError(ErrorCode.forbidden, `${path}: only a proxy, with its workload token, may call this`);
  return next({ ctx: { workload: caller.workload as TokenIdentity | undefined } });
});

/** Throws `WEFT_FORBIDDEN` unless the calling proxy runs for `namespace/workload` (any, with auth off). */
export function requireOwnWorkload(
  workload: TokenIdentity | undefined,
  namespace: string,
  name: string,
): void {
  if (workload === undefined) return;
  if (workload.namespace !== namespace || (workload.workload !== undefined && workload.workload !== name))
    throw new MeshError(
      ErrorCode.forbidden,
      `a proxy of ${workload.namespace}/${workload.workload ?? workload.serviceAccount} may not watch ${namespace}/${name}`,
    );
}

/** Throws `WEFT_NOT_FOUND` naming the missing object. */
export function notFound(what: string): never {
  throw new MeshError(ErrorCode.notFound, `${what} not found`);
}
