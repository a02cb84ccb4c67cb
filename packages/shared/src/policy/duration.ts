/**
 * Durations as Kubernetes and Linkerd write them (Go's `time.Duration` text): `500ms`,
 * `10s`, `1m`, `1h`, or combinations such as `1m30s`.
 */

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Whole milliseconds of `text`, or undefined when it is not such a duration. `0s` is 0. */
export function parsePolicyDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '' || s === '0') return s === '0' ? 0 : undefined;
  PART.lastIndex = 0;
  let total = 0;
  while (PART.lastIndex < s.length) {
    const m = PART.exec(s);
    if (!m?.[1] || !m[2]) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2]] ?? 0);
  }
  return Math.round(total);
}

/** A zod string refined to a duration such as `500ms`, `10s` or `1m`. */
export const DURATION_MESSAGE = 'must be a duration such as 500ms, 10s or 1m';
