/** Parses durations such as `24h`, `90m`, `60s`, `1500ms` or a bare number of seconds. */
import { ErrorCode, MeshError } from '@weft/shared';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration string; throws a MeshError naming `what` when it is not one. */
export function parseDuration(value: string, what = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
  if (!m?.[1])
    throw new MeshError(
      ErrorCode.invalidInput,
      `${what}: "${value}" is not a duration such as 24h, 90m or 60s`,
    );
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
  if (!(ms >= 1000)) throw new MeshError(ErrorCode.invalidInput, `${what}: "${value}" must be at least 1s`);
  return Math.round(ms);
}
