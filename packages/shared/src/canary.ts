/**
 * Canary rollouts run by the controller (`canaries.*`): shift a Service's traffic from a
 * stable backend to a canary backend in steps, hold each step, measure the canary
 * backend's golden metrics alone against gates, and go back to 100 % stable by itself
 * when a gate fails. Each step is an HTTPRoute revision authored `canary:<id>`.
 */
import { z } from 'zod';
import { NamespaceName, ObjectName } from './names.ts';

/** Most steps one canary takes. */
export const MAX_CANARY_STEPS = 20;
/** Shortest and longest hold per step, seconds. */
export const MIN_CANARY_HOLD_SECONDS = 5;
export const MAX_CANARY_HOLD_SECONDS = 3600;
/** Most events one canary's timeline keeps (the oldest go first; `started` always stays). */
export const MAX_CANARY_EVENTS = 200;

/** What a step must show on the canary backend to go on. */
export const CanaryGates = z.object({
  /** Successes / responses of the canary backend during the hold, 0..1. */
  minSuccessRate: z.number().min(0, 'must be 0 or more').max(1, 'must be at most 1'),
  /** p99 latency of the canary backend during the hold, milliseconds. */
  maxP99Ms: z.number().positive('must be more than 0').max(600_000, 'must be at most 600000'),
  /** Fewer responses than this during a hold fails the gate (nothing measured is not a pass). */
  minRequests: z.number().int().min(1, 'must be 1 or more').default(1),
});
export type CanaryGates = z.infer<typeof CanaryGates>;

/** `canaries.start` input. */
export const CanaryStartInput = z
  .object({
    namespace: NamespaceName,
    /** The Service callers dial (the route's parent) and its port. */
    service: ObjectName,
    port: z.number().int().min(1).max(65535),
    /**
     * The HTTPRoute whose backends the canary sets: an existing one keeps its matches and
     * filters (every rule's backends are replaced); absent, `<service>-canary` is made.
     */
    route: ObjectName.optional(),
    /** Backend Services (same namespace, same port). */
    stable: ObjectName,
    canary: ObjectName,
    /** Canary weight in percent at each step, rising, e.g. [10, 25, 50, 100]. */
    steps: z
      .array(
        z.number().int('must be a whole number').min(1, 'must be 1 or more').max(100, 'must be at most 100'),
      )
      .min(1, 'must have a step')
      .max(MAX_CANARY_STEPS, `must have at most ${MAX_CANARY_STEPS} steps`),
    holdSeconds: z
      .number()
      .int('must be a whole number')
      .min(MIN_CANARY_HOLD_SECONDS, `must be at least ${MIN_CANARY_HOLD_SECONDS}`)
      .max(MAX_CANARY_HOLD_SECONDS, `must be at most ${MAX_CANARY_HOLD_SECONDS}`),
    gates: CanaryGates,
  })
  .superRefine((v, ctx) => {
    for (let i = 1; i < v.steps.length; i++)
      if ((v.steps[i] as number) <= (v.steps[i - 1] as number))
        ctx.addIssue({ code: 'custom', path: ['steps', i], message: 'must be more than the step before' });
    if (v.stable === v.canary)
      ctx.addIssue({ code: 'custom', path: ['canary'], message: 'must differ from stable' });
  });
export type CanaryStartInput = z.input<typeof CanaryStartInput>;

export const CanaryIdInput = z.object({ id: z.string().min(1).max(64) });
export type CanaryIdInput = z.infer<typeof CanaryIdInput>;

export const CanaryListInput = z.object({ namespace: NamespaceName.optional() }).default({});
export type CanaryListInput = z.infer<typeof CanaryListInput>;

/** `running` until it ends `succeeded` (the last step held), `failed` (a gate failed; reverted) or `aborted`. */
export const CanaryPhase = z.enum(['running', 'succeeded', 'failed', 'aborted']);
export type CanaryPhase = z.infer<typeof CanaryPhase>;

/** What the canary backend showed during one hold. */
export const CanaryMeasurement = z.object({
  successRate: z.number().min(0).max(1).nullable(),
  p99Ms: z.number().nonnegative().nullable(),
  requests: z.number().nonnegative(),
  rps: z.number().nonnegative(),
});
export type CanaryMeasurement = z.infer<typeof CanaryMeasurement>;

/** One entry of a canary's timeline. */
export const CanaryEvent = z.object({
  /** ISO 8601. */
  at: z.string(),
  kind: z.enum([
    'started',
    'step',
    'gate-passed',
    'gate-failed',
    'reverted',
    'succeeded',
    'aborted',
    'resumed',
    'error',
  ]),
  /** Index into `steps` (step and gate events). */
  step: z.number().int().nonnegative().optional(),
  /** Canary weight in percent the event is about. */
  weight: z.number().int().min(0).max(100).optional(),
  /** The policy revision a step or revert created. */
  revision: z.number().int().nonnegative().optional(),
  measurement: CanaryMeasurement.optional(),
  /** The event in words: `gate failed: success rate 62.0 % < 95.0 %`. */
  message: z.string(),
});
export type CanaryEvent = z.infer<typeof CanaryEvent>;

/** A canary, as `canaries.get` returns and the state directory keeps it. */
export const Canary = z.object({
  id: z.string(),
  namespace: NamespaceName,
  service: ObjectName,
  port: z.number().int(),
  /** The HTTPRoute the canary writes. */
  route: ObjectName,
  /** Whether the route existed before the canary (else the canary made it). */
  routeExisted: z.boolean(),
  stable: ObjectName,
  canary: ObjectName,
  steps: z.array(z.number().int()),
  holdSeconds: z.number().int(),
  gates: CanaryGates,
  phase: CanaryPhase,
  /** The step in progress (or the last one reached); -1 before the first. */
  stepIndex: z.number().int().min(-1),
  /** Canary weight in percent now in force. */
  weight: z.number().int().min(0).max(100),
  /** When the step in progress started holding (ISO 8601), null when none is. */
  holdStartedAt: z.string().nullable(),
  /** Who started it. */
  author: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  events: z.array(CanaryEvent),
});
export type Canary = z.infer<typeof Canary>;

/** `canaries.list` row: a canary without its timeline. */
export const CanarySummary = Canary.omit({ events: true });
export type CanarySummary = z.infer<typeof CanarySummary>;

/** The author of the policy revisions a canary makes. */
export function canaryAuthor(id: string): string {
  return `canary:${id}`;
}
