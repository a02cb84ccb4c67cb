/**
 * Where the topology's view is fitted to a shape: computed from the nodes' known sizes
 * (React Flow's fitView waits for them to be measured), with the same padding and zoom
 * bounds as fitView.
 */
import { getViewportForBounds, type Node, type Viewport } from '@xyflow/react';

/** The fit of the view, as React Flow's fitView computes it. */
export const FIT = { padding: 0.06, minZoom: 0.05, maxZoom: 1 } as const;

/** The viewport that fits the top-level nodes (boxes, unknown callers) in a canvas of `size`. */
export function fitOf(
  nodes: readonly Pick<Node, 'parentId' | 'position' | 'width' | 'height'>[],
  size: { width: number; height: number } | undefined,
): Viewport | undefined {
  if (!size || size.width <= 0 || size.height <= 0) return undefined;
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const n of nodes) {
    if (n.parentId !== undefined) continue;
    x0 = Math.min(x0, n.position.x);
    y0 = Math.min(y0, n.position.y);
    x1 = Math.max(x1, n.position.x + (n.width ?? 0));
    y1 = Math.max(y1, n.position.y + (n.height ?? 0));
  }
  if (!Number.isFinite(x0)) return undefined;
  const bounds = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  return getViewportForBounds(bounds, size.width, size.height, FIT.minZoom, FIT.maxZoom, FIT.padding);
}

/** Whether two viewports are the same to the eye (within half a pixel and a tenth of a percent). */
export function sameViewport(a: Viewport, b: Viewport): boolean {
  return Math.abs(a.x - b.x) < 0.5 && Math.abs(a.y - b.y) < 0.5 && Math.abs(a.zoom / b.zoom - 1) < 1e-3;
}
