/**
 * Words for an edge's mTLS state, from the share of its requests that were mTLS:
 * `mTLS` when all were, `mTLS 40%` when part were (a side meshed during the window),
 * `plain` when none were. A part is never rounded to 0% or 100%.
 */

/** The short label: `mTLS`, `mTLS 40%`, `plain`. */
export function mtlsLabel(securedShare: number): string {
  if (securedShare >= 1) return 'mTLS';
  if (securedShare <= 0) return 'plain';
  return `mTLS ${partPercent(securedShare)}%`;
}

/** The longer description, for titles and accessible names. */
export function mtlsDescription(securedShare: number): string {
  if (securedShare >= 1) return 'all requests mTLS';
  if (securedShare <= 0) return 'no request mTLS';
  return `mTLS on ${partPercent(securedShare)}% of requests`;
}

function partPercent(share: number): number {
  return Math.min(99, Math.max(1, Math.round(share * 100)));
}
