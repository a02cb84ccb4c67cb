/**
 * A route's requests per second across the window as a tiny inline SVG line (no chart
 * library): steps oldest first, scaled to the busiest step. Decorative beside the numbers,
 * so it carries a text alternative with the first and last rates.
 */
import { formatRps } from '../../lib/format.ts';

const W = 72;
const H = 18;

export function RpsTrend({ points }: { points: readonly number[] }) {
  if (points.length < 2) return null;
  const max = Math.max(...points);
  const step = W / (points.length - 1);
  const y = (v: number) => (max > 0 ? H - 1 - (v / max) * (H - 2) : H - 1);
  const d = points
    .map((v, i) => `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${y(v).toFixed(1)}`)
    .join('');
  return (
    <svg
      className="rps-trend"
      width={W}
      height={H}
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`requests per second over the window, from ${formatRps(points[0])} to ${formatRps(points[points.length - 1])}`}
    >
      <path d={d} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
