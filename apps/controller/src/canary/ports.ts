/**
 * The canary runner's ports: its clock, how it measures the canary backend, and where it
 * writes the route's weights, with the options that bind them. Adapters to the metrics
 * backend and the policy service live in adapters.ts; tests pass their own.
 */
import type { Canary, CanaryMeasurement } from '@weft/shared';
import type { DocumentState } from '../state/store.ts';
import type { CanaryStart } from './control.ts';

/** Time, and waiting for it. `sleep` resolves early (never rejects) when `signal` aborts. */
export interface CanaryClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Reads the canary backend's golden metrics over the last `seconds`. */
export interface CanaryMetricsReader {
  /**
   * The canary backend `service`'s golden metrics over the last `seconds`; `via`: the route
   * the canary writes (HTTPRoute `route` on parent Service `parent`), so the backend can be
   * measured on that route where the callers' proxies counted it.
   */
  measure(
    namespace: string,
    service: string,
    seconds: number,
    via?: { parent: string; route: string },
  ): Promise<CanaryMeasurement>;
}

/** Where the canary's weights go: one policy revision per call. */
export interface CanaryRouteWriter {
  /** Which route a new canary writes, and whether it exists already; throws when the input cannot work. */
  resolveRoute(input: CanaryStart): { route: string; existed: boolean };
  /** Sets `canary` to `weight` % and `stable` to the rest on every rule of the route; returns the new revision. */
  setWeight(canary: Canary, weight: number): number;
}

export interface CanaryRunnerOptions {
  state: DocumentState;
  clock: CanaryClock;
  metrics: CanaryMetricsReader;
  routes: CanaryRouteWriter;
  /** New ids (tests pass their own). */
  newId?: () => string;
  /** The shortest hold that can be measured: two metrics scrapes (a shorter one could see no traffic at all). */
  minHoldSeconds?: number;
  /**
   * Whether this controller replica may drive canaries (on Kubernetes: it holds the
   * leader Lease). A replica that does not refuses `start` and `abort` and resumes none.
   * Default: always (one replica).
   */
  leading?: () => boolean;
}
