/**
 * `health.checks`: the checks `weft check` prints and the dashboard's Health page shows,
 * in the same words. Each says what it looked at, what it found, and how to fix it.
 */
import { z } from 'zod';

/** `ok`; `warning` (works now, needs attention); `failure` (broken or about to break). */
export const HealthCheckStatus = z.enum(['ok', 'warning', 'failure']);
export type HealthCheckStatus = z.infer<typeof HealthCheckStatus>;

export const HealthCheck = z.object({
  /** Stable identifier, such as `identity.issuer`. */
  id: z.string(),
  /** The group it is shown under: `control plane`, `identity`, `metrics`, `policy`. */
  category: z.string(),
  /** What should hold, as a sentence: "the issuer certificate is valid for 60 days or more". */
  title: z.string(),
  status: HealthCheckStatus,
  /** What was found. */
  detail: z.string(),
  /** How to fix it; null when the check passed. */
  fix: z.string().nullable(),
});
export type HealthCheck = z.infer<typeof HealthCheck>;

export const HealthReport = z.object({
  checkedAt: z.string(),
  checks: z.array(HealthCheck),
  /** The worst status among the checks. */
  status: HealthCheckStatus,
});
export type HealthReport = z.infer<typeof HealthReport>;

const RANK: Record<HealthCheckStatus, number> = { ok: 0, warning: 1, failure: 2 };

/** The worst status among `checks` (`ok` for none). */
export function worstStatus(checks: readonly { status: HealthCheckStatus }[]): HealthCheckStatus {
  let worst: HealthCheckStatus = 'ok';
  for (const c of checks) if (RANK[c.status] > RANK[worst]) worst = c.status;
  return worst;
}
