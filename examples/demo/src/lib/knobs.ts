/**
 * The demo's behaviour knobs, read from the environment: how often a service fails on
 * purpose and how much latency it adds, so that services differ on the dashboard.
 */

/** Marks a response that failed on purpose (FAILURE_RATE), so callers and the generator can tell. */
export const INJECTED_HEADER = 'x-demo-injected-failure';

function num(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new Error(`${name} must be a number from ${min} to ${max} (got "${raw}")`);
  }
  return v;
}

export interface Knobs {
  /** Share of requests that fail on purpose with a 500, from 0 to 1. */
  failureRate: number;
  /** Mean added latency per request, ms. */
  latencyMs: number;
  /** Added latency varies uniformly by ± this much, ms. */
  jitterMs: number;
}

export function readKnobs(): Knobs {
  return {
    failureRate: num('FAILURE_RATE', 0, 0, 1),
    latencyMs: num('LATENCY_MS', 0, 0, 60_000),
    jitterMs: num('LATENCY_JITTER_MS', 0, 0, 60_000),
  };
}

/** The knobs a `PUT /_demo/knobs` body may set, each optional: `{"failureRate": 0.5}`. */
const KNOB_RANGES: Record<keyof Knobs, [number, number]> = {
  failureRate: [0, 1],
  latencyMs: [0, 60_000],
  jitterMs: [0, 60_000],
};

/**
 * Changes `k` in place from a JSON body, all or nothing; throws naming the first field
 * that is unknown or out of range.
 */
export function updateKnobs(k: Knobs, body: unknown): Knobs {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new Error('body must be a JSON object such as {"failureRate": 0.5}');
  const next = { ...k };
  for (const [key, value] of Object.entries(body)) {
    const range = KNOB_RANGES[key as keyof Knobs];
    if (!range) throw new Error(`unknown knob "${key}" (known: ${Object.keys(KNOB_RANGES).join(', ')})`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < range[0] || value > range[1])
      throw new Error(
        `${key} must be a number from ${range[0]} to ${range[1]} (got ${JSON.stringify(value)})`,
      );
    next[key as keyof Knobs] = value;
  }
  return Object.assign(k, next);
}

/** Waits the configured latency. */
export function addedLatency(k: Knobs): Promise<void> {
  const ms = Math.max(0, k.latencyMs + (Math.random() * 2 - 1) * k.jitterMs);
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

/** Whether this request should fail on purpose. */
export function shouldFail(k: Knobs): boolean {
  return k.failureRate > 0 && Math.random() < k.failureRate;
}
