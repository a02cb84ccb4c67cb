/**
 * Number formatting for golden metrics: one style everywhere so tables, charts and
 * graph labels read the same. Missing values print as an en dash.
 */

const DASH = '–';

/** A success ratio (0..1) as a percentage: `99.95%`, `100%`. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return DASH;
  const pct = ratio * 100;
  if (pct === 100) return '100%';
  if (pct >= 99.9) return `${pct.toFixed(2)}%`;
  return `${pct.toFixed(1)}%`;
}

/** Requests per second: `0`, `0.35`, `12.4`, `1.2k`. */
export function formatRps(rps: number | null | undefined): string {
  if (rps === null || rps === undefined || Number.isNaN(rps)) return DASH;
  if (rps === 0) return '0';
  if (rps >= 1000) return `${(rps / 1000).toFixed(1)}k`;
  if (rps >= 10) return rps.toFixed(1);
  return rps.toFixed(2);
}

/** A latency in milliseconds: `0.8 ms`, `12 ms`, `1.25 s`. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return DASH;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

/** How long ago an ISO time was, coarsely: `12s`, `5m`, `3h`, `2d`. */
export function formatAge(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return DASH;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
