/**
 * The arithmetic of the moving topology's split scale (components/topology/moving-layer.tsx):
 * while the view moves, its layer is scaled down by `RASTER_SPLIT` about its origin and
 * its content scaled up by as much; the `translate` computed here gives back React Flow's
 * translation, which the scale-down shrank.
 */

/** The factor the moving view's layer is scaled down by; topology.css uses the same (0.125 and 8). */
export const RASTER_SPLIT = 8;

const NUMBER = String.raw`(-?\d*\.?\d+(?:e[-+]?\d+)?)`;
const TRANSLATE = new RegExp(String.raw`translate\(\s*${NUMBER}px,\s*${NUMBER}px\s*\)`);

/**
 * The CSS `translate` that, with `scale: 1 / RASTER_SPLIT` on the same element, leaves
 * React Flow's `transform` (as the DOM serialises it) where it was; '' when the transform
 * has no pixel translation to read.
 */
export function splitOffset(transform: string): string {
  const m = TRANSLATE.exec(transform);
  if (!m) return '';
  const keep = 1 - 1 / RASTER_SPLIT;
  return `${Number(m[1]) * keep}px ${Number(m[2]) * keep}px`;
}
