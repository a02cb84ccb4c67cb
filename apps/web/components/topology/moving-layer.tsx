'use client';
/**
 * How the topology's view is drawn while it is panned or zoomed (topology.css,
 * `.topo-moving`): as one composited layer whose raster scale never has to jump.
 *
 * Chromium keeps a `will-change: transform` layer at the raster scale it was first drawn
 * at, unless its scale on screen reaches a quarter of the page's: from there it rasters
 * at the page's scale (1), so a zoom from the fit of a large graph (0.17) across 0.25
 * re-rasterised the whole visible graph at up to four times its size in one frame, and a
 * pan begun at a zoom of 0.25 or more began with that raster. While the view moves, its
 * layer is therefore scaled down by `RASTER_SPLIT` (lib/topology/raster-split.ts) and everything in it scaled up by as
 * much (the CSS `scale` property, beside React Flow's own transform, which it still
 * reads): the picture is the same, but the layer's own scale stays under a quarter at
 * every zoom React Flow allows, and Chromium keeps rastering it at the scale the gesture
 * began with. Scaling the layer about its origin also scales React Flow's translation,
 * which `translate` gives back (kept in step with the transform here).
 *
 * A fill under the whole view, in the canvas's colour (the dot grid is hidden meanwhile),
 * keeps the view in one layer: without it Chromium split the sparse picture into several
 * layers ("Overlap"), some in the workloads' own scaled space, which the scale-down did
 * not reach.
 */
import { ViewportPortal } from '@xyflow/react';
import { type RefObject, useEffect } from 'react';
import { splitOffset } from '../../lib/topology/raster-split.ts';

/**
 * While `.topo-moving` is on the canvas (`keysRef`), marks it `.topo-split` (the scales
 * in topology.css) and keeps the viewport's `translate` in step with React Flow's
 * transform; both are dropped when the view settles. A mutation observer, so the offset
 * is written in the same frame as each transform, however React Flow's render is timed.
 */
export function useSplitWhileMoving(keysRef: RefObject<HTMLDivElement | null>): void {
  useEffect(() => {
    const keys = keysRef.current;
    const viewport = keys?.querySelector<HTMLElement>('.react-flow__viewport');
    if (!keys || !viewport) return;
    const sync = () => {
      const offset = keys.classList.contains('topo-moving') ? splitOffset(viewport.style.transform) : '';
      if (viewport.style.translate !== offset) viewport.style.translate = offset;
      keys.classList.toggle('topo-split', offset !== '');
    };
    const observer = new MutationObserver(sync);
    observer.observe(viewport, { attributes: true, attributeFilter: ['style'] });
    observer.observe(keys, { attributes: true, attributeFilter: ['class'] });
    return () => observer.disconnect();
  }, [keysRef]);
}

/** The fill under the moving view (topology.css shows it only while the view moves). */
export function MovingFill() {
  return (
    <ViewportPortal>
      <div className="topo-moving-fill" aria-hidden="true" />
    </ViewportPortal>
  );
}
