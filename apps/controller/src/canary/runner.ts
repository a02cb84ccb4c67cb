/**
 * The canary runner: moves a Service's traffic from a stable backend to a canary backend
 * step by step, holds each step, measures the canary backend alone against the gates,
 * and goes back to 100 % stable by itself when a gate fails (or on abort). Every change
 * of a canary is kept in the state directory (`canaries`, written atomically and
 * fsync'd) before the runner goes on, so a controller restart resumes each running
 * canary where it was: a step applied stays applied and is held (again) in full.
 *
 * Pure logic over three ports (ports.ts: a clock, a metrics reader, a route weight setter), so it
 * is tested without processes, as platform/local/rollout.ts is.
 *
 *   start ─► step 0 applied ─► hold ─► measure ─► gate ok? ─► next step … ─► succeeded
 *                                                  └─ no ─► revert to 100 % stable ─► failed
 */
import { randomUUID } from 'node:crypto';
import {
  Canary,
  type CanaryEvent,
  type CanaryMeasurement,
  type CanarySummary,
  ErrorCode,
  MAX_CANARY_EVENTS,
  MeshError,
} from '@weft/shared';
import { z } from 'zod';
import type { DocumentState } from '../state/store.ts';
import type { CanaryControl, CanaryStart } from './control.ts';
import { judgeGates } from './gate.ts';
import type { CanaryClock, CanaryMetricsReader, CanaryRouteWriter, CanaryRunnerOptions } from './ports.ts';

export const CANARY_STATE_KEY = 'canaries';
/** Most canaries kept (finished ones beyond this go, oldest first). */
export const MAX_KEPT_CANARIES = 100;
/** Most canaries running at once. */
export const MAX_RUNNING_CANARIES = 20;

const StoredCanaries = z.object({ canaries: z.array(Canary) });

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class CanaryRunner implements CanaryControl {
  readonly #state: DocumentState;
  readonly #clock: CanaryClock;
  readonly #metrics: CanaryMetricsReader;
  readonly #routes: CanaryRouteWriter;
  readonly #newId: () => string;
  readonly #minHoldSeconds: number;
  readonly #leading: () => boolean;
  /** Oldest first. */
  #canaries: Canary[];
  /** A running canary's loop and how to stop it. */
  readonly #loops = new Map<string, { stop: AbortController; done: Promise<void> }>();
  readonly #listeners = new Set<() => void>();
  #closed = false;

  constructor(options: CanaryRunnerOptions) {
    this.#state = options.state;
    this.#clock = options.clock;
    this.#metrics = options.metrics;
    this.#routes = options.routes;
    this.#newId = options.newId ?? (() => randomUUID().slice(0, 8));
    this.#minHoldSeconds = options.minHoldSeconds ?? 0;
    this.#leading = options.leading ?? (() => true);
    this.#canaries = this.#state.load(CANARY_STATE_KEY, StoredCanaries)?.canaries ?? [];
  }

  /**
   * Resumes every canary that was running when the controller stopped. A step already
   * applied is not applied again, but its hold starts over: the embedded metrics store
   * lost what it measured before the restart, and a gate judged on a few seconds would be
   * judged on nothing. `takeover` when this replica takes the writers over from another
   * (on Kubernetes, the Lease), rather than starting.
   */
  resume(cause: 'restart' | 'takeover' = 'restart'): void {
    if (!this.#leading()) return;
    // Taking over from another replica: its canaries, as it last saved them.
    if (this.#loops.size === 0) this.#reload();
    for (const c of this.#canaries) {
      if (c.phase !== 'running' || this.#loops.has(c.id)) continue;
      const holding = c.holdStartedAt !== null;
      const why = cause === 'takeover' ? 'another controller replica took over' : 'controller restarted';
      if (holding) c.holdStartedAt = new Date(this.#clock.now()).toISOString();
      this.#event(c, {
        kind: 'resumed',
        ...(holding ? { step: c.stepIndex, weight: c.weight } : {}),
        message: holding
          ? `${why}: holding step ${c.stepIndex + 1} at ${c.weight} % again for ${c.holdSeconds} s`
          : `${why}: canary resumed`,
      });
      this.#save();
      this.#launch(c);
    }
  }

  /** Shows the canaries another replica saved (one not driving canaries follows the one that does). */
  adopt(): void {
    if (this.#leading() || this.#loops.size > 0) return;
    this.#reload();
    for (const fn of this.#listeners) fn();
  }

  #reload(): void {
    this.#canaries = this.#state.load(CANARY_STATE_KEY, StoredCanaries)?.canaries ?? [];
  }

  /** Stops every loop without changing any canary (a restart resumes them). */
  async close(): Promise<void> {
    this.#closed = true;
    const loops = [...this.#loops.values()];
    for (const l of loops) l.stop.abort();
    await Promise.all(loops.map((l) => l.done));
  }

  /** Throws (`unavailable`, changing nothing) when this replica is not the one that drives canaries. */
  #mustLead(what: string): void {
    if (!this.#leading())
      throw new MeshError(
        ErrorCode.unavailable,
        `canaries.${what}: this controller replica does not hold the leader Lease; only the leader runs canaries (try again: another replica answers)`,
      );
  }

  /** Resolves when the canary's loop has ended (at once when none runs). */
  async settled(id: string): Promise<void> {
    await this.#loops.get(id)?.done;
  }

  // === CanaryControl ===

  async start(input: CanaryStart, author: string): Promise<Canary> {
    if (this.#closed) throw new MeshError(ErrorCode.unavailable, 'the controller is stopping');
    this.#mustLead('start');
    const busy = this.#canaries.find(
      (c) =>
        c.phase === 'running' &&
        c.namespace === input.namespace &&
        c.service === input.service &&
        c.port === input.port,
    );
    if (busy)
      throw new MeshError(
        ErrorCode.conflict,
        `canary ${busy.id} is already running on ${input.namespace}/${input.service}:${input.port}; abort it first`,
      );
    if (input.holdSeconds < this.#minHoldSeconds)
      throw new MeshError(
        ErrorCode.invalidInput,
        `holdSeconds: must be at least ${this.#minHoldSeconds} here (two metrics scrapes), so that each step is measured`,
      );
    if (this.#canaries.filter((c) => c.phase === 'running').length >= MAX_RUNNING_CANARIES)
      throw new MeshError(ErrorCode.unavailable, `at most ${MAX_RUNNING_CANARIES} canaries run at once`);
    const { route, existed } = this.#routes.resolveRoute(input);
    const now = new Date(this.#clock.now()).toISOString();
    const c: Canary = {
      id: this.#newId(),
      namespace: input.namespace,
      service: input.service,
      port: input.port,
      route,
      routeExisted: existed,
      stable: input.stable,
      canary: input.canary,
      steps: [...input.steps],
      holdSeconds: input.holdSeconds,
      gates: input.gates,
      phase: 'running',
      stepIndex: -1,
      weight: 0,
      holdStartedAt: null,
      author,
      createdAt: now,
      updatedAt: now,
      events: [],
    };
    this.#event(c, {
      kind: 'started',
      message: `${author} started a canary of ${c.canary} against ${c.stable} on ${c.namespace}/${c.service}:${c.port}: steps ${c.steps.join(', ')} %, ${c.holdSeconds} s each, gates success rate ≥ ${c.gates.minSuccessRate * 100} %, p99 ≤ ${c.gates.maxP99Ms} ms`,
    });
    // The first step is applied before anything is kept: a refused route fails the start.
    this.#applyStep(c);
    this.#canaries.push(c);
    this.#prune();
    this.#save();
    this.#launch(c);
    return structuredClone(c);
  }

  list(namespace?: string): CanarySummary[] {
    return this.#canaries
      .filter((c) => namespace === undefined || c.namespace === namespace)
      .map(({ events: _, ...summary }) => structuredClone(summary))
      .reverse();
  }

  get(id: string): Canary {
    return structuredClone(this.#find(id));
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async abort(id: string, author: string): Promise<Canary> {
    this.#mustLead('abort');
    const c = this.#find(id);
    if (c.phase !== 'running') throw new MeshError(ErrorCode.conflict, `canary ${id} already ${c.phase}`);
    this.#event(c, { kind: 'aborted', weight: c.weight, message: `aborted by ${author}` });
    this.#revert(c, 'aborted');
    const loop = this.#loops.get(id);
    loop?.stop.abort();
    await loop?.done;
    return structuredClone(c);
  }

  // === the loop ===

  #find(id: string): Canary {
    const c = this.#canaries.find((x) => x.id === id);
    if (!c) throw new MeshError(ErrorCode.notFound, `canary ${id} not found`);
    return c;
  }

  #launch(c: Canary): void {
    const stop = new AbortController();
    const done = this.#run(c, stop.signal)
      .catch((err) => {
        // Such as the state directory refusing a write: say so, and send traffic back to stable.
        if (c.phase !== 'running') return;
        this.#event(c, { kind: 'error', message: `runner failed: ${errorText(err)}` });
        try {
          this.#revert(c, 'failed');
        } catch (again) {
          console.error(`[canary] ${c.id}: ${errorText(again)}`);
        }
      })
      .finally(() => {
        if (this.#loops.get(c.id)?.stop === stop) this.#loops.delete(c.id);
      });
    this.#loops.set(c.id, { stop, done });
  }

  async #run(c: Canary, signal: AbortSignal): Promise<void> {
    while (c.phase === 'running' && !signal.aborted) {
      if (c.holdStartedAt === null) {
        try {
          this.#applyStep(c);
        } catch (err) {
          this.#event(c, {
            kind: 'error',
            message: `step ${c.stepIndex + 2} not applied: ${errorText(err)}`,
          });
          this.#revert(c, 'failed');
          return;
        }
        this.#save();
      }
      const holdEnd = Date.parse(c.holdStartedAt as string) + c.holdSeconds * 1000;
      await this.#clock.sleep(Math.max(0, holdEnd - this.#clock.now()), signal);
      if (c.phase !== 'running' || signal.aborted) return;
      let m: CanaryMeasurement;
      try {
        m = await this.#metrics.measure(c.namespace, c.canary, c.holdSeconds, {
          parent: c.service,
          route: c.route,
        });
      } catch (err) {
        m = { successRate: null, p99Ms: null, requests: 0, rps: 0 };
        this.#event(c, { kind: 'error', message: `metrics of ${c.canary} not read: ${errorText(err)}` });
      }
      if (c.phase !== 'running' || signal.aborted) return;
      const gate = judgeGates(m, c.gates);
      const step = c.stepIndex;
      this.#event(c, {
        kind: gate.ok ? 'gate-passed' : 'gate-failed',
        step,
        weight: c.weight,
        measurement: m,
        message: `step ${step + 1} at ${c.weight} %: ${gate.message}`,
      });
      if (!gate.ok) {
        this.#revert(c, 'failed');
        return;
      }
      if (step === c.steps.length - 1) {
        c.phase = 'succeeded';
        c.holdStartedAt = null;
        this.#event(c, {
          kind: 'succeeded',
          weight: c.weight,
          message: `done: ${c.canary} takes ${c.weight} %`,
        });
        this.#save();
        return;
      }
      c.holdStartedAt = null;
      this.#save();
    }
  }

  /** Applies the next step's weight and starts its hold (the caller saves). */
  #applyStep(c: Canary): void {
    const next = c.stepIndex + 1;
    const weight = c.steps[next] as number;
    const revision = this.#routes.setWeight(c, weight);
    c.stepIndex = next;
    c.weight = weight;
    c.holdStartedAt = new Date(this.#clock.now()).toISOString();
    this.#event(c, {
      kind: 'step',
      step: next,
      weight,
      revision,
      message: `step ${next + 1} of ${c.steps.length}: ${weight} % to ${c.canary} (revision ${revision}), holding ${c.holdSeconds} s`,
    });
  }

  /** Sends all traffic back to stable and ends the canary with `phase`; saves. */
  #revert(c: Canary, phase: 'failed' | 'aborted'): void {
    c.phase = phase;
    c.holdStartedAt = null;
    try {
      const revision = this.#routes.setWeight(c, 0);
      c.weight = 0;
      this.#event(c, {
        kind: 'reverted',
        weight: 0,
        revision,
        message: `reverted: 100 % to ${c.stable} (revision ${revision})`,
      });
    } catch (err) {
      this.#event(c, { kind: 'error', message: `revert to ${c.stable} failed: ${errorText(err)}` });
    }
    this.#save();
  }

  #event(c: Canary, e: Omit<CanaryEvent, 'at'>): void {
    const at = new Date(this.#clock.now()).toISOString();
    c.events.push({ at, ...e });
    c.updatedAt = at;
    // Bounded: the oldest go, but the `started` entry stays first.
    if (c.events.length > MAX_CANARY_EVENTS) c.events.splice(1, c.events.length - MAX_CANARY_EVENTS);
  }

  #prune(): void {
    let excess = this.#canaries.length - MAX_KEPT_CANARIES;
    if (excess <= 0) return;
    this.#canaries = this.#canaries.filter((c) => {
      if (excess > 0 && c.phase !== 'running') {
        excess--;
        return false;
      }
      return true;
    });
  }

  #save(): void {
    this.#state.save(CANARY_STATE_KEY, { canaries: this.#canaries });
    for (const l of this.#listeners) l();
  }
}
