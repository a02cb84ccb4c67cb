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
 *
 * The view is also held in that layer while still (`.topo-held`, `useHeldView`), so that
 * a gesture begins with nothing to repaint: taking the layer at the first frame of a pan
 * painted and rastered the whole view again, two frames of 33 ms at 300 workloads.
 * Held, the picture is the same (the fill then carries the dot grid); it is released and
 * taken again only when the scale changed, so that it is rastered sharp at the new one.
 */
import { useStoreApi, ViewportPortal } from '@xyflow/react';
import { type RefObject, useCallback, useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { splitOffset } from '../../lib/topology/raster-split.ts';

/**
 * While `.topo-moving` or `.topo-held` is on the canvas (`keysRef`), marks it
 * `.topo-split` (the scales in topology.css) and keeps the viewport's `translate` in step
 * with React Flow's transform; both are dropped with those classes. A mutation observer,
 * so the offset is written in the same frame as each transform, however React Flow's
 * render is timed; set up before the first paint, as the view may be held from the start.
 */
export function useSplitWhileMoving(keysRef: RefObject<HTMLDivElement | null>): void {
  useLayoutEffect(() => {
    const keys = keysRef.current;
    const viewport = keys?.querySelector<HTMLElement>('.react-flow__viewport');
    if (!keys || !viewport) return;
    const sync = () => {
      const layered = keys.classList.contains('topo-moving') || keys.classList.contains('topo-held');
      const offset = layered ? splitOffset(viewport.style.transform) : '';
      if (viewport.style.translate !== offset) viewport.style.translate = offset;
      keys.classList.toggle('topo-split', offset !== '');
    };
    sync();
    const observer = new MutationObserver(sync);
    observer.observe(viewport, { attributes: true, attributeFilter: ['style'] });
    observer.observe(keys, { attributes: true, attributeFilter: ['class'] });
    return () => observer.disconnect();
  }, [keysRef]);
}

export interface HeldView {
  /** Holds the view in its layer now, rastered at the scale it has now. */
  hold(): void;
  /** Releases it now (the next frame is drawn without the layer); cancels a pending hold. */
  release(): void;
  /**
   * Once the view settled: keeps it held if its scale is the one it was held at; else
   * releases it now (drawn sharp at the new scale) and holds it again two frames later,
   * rastered at that scale (the same frame would keep the layer, and its old raster scale).
   */
  settled(): void;
  /** A gesture begins: a pending hold is dropped (the moving layer takes over). */
  cancel(): void;
}

/** Holding the topology's view in its moving layer while it is still (see above). */
export function useHeldView(keysRef: RefObject<HTMLDivElement | null>): HeldView {
  const store = useStoreApi();
  const heldAt = useRef<number | null>(null);
  const pending = useRef(0);
  const cancel = useCallback(() => {
    cancelAnimationFrame(pending.current);
    pending.current = 0;
  }, []);
  useEffect(() => cancel, [cancel]);
  return useMemo(() => {
    const hold = () => {
      cancel();
      heldAt.current = store.getState().transform[2];
      keysRef.current?.classList.add('topo-held');
    };
    const release = () => {
      cancel();
      heldAt.current = null;
      keysRef.current?.classList.remove('topo-held');
    };
    const settled = () => {
      if (heldAt.current !== null && heldAt.current === store.getState().transform[2]) return;
      release();
      pending.current = requestAnimationFrame(() => {
        pending.current = requestAnimationFrame(hold);
      });
    };
    return { hold, release, settled, cancel };
  }, [keysRef, store, cancel]);
}

/** The fill under the moving or held view (topology.css shows it only then), with the dot grid. */
export function MovingFill() {
  return (
    <ViewportPortal>
      <div className="topo-moving-fill" aria-hidden="true" />
    </ViewportPortal>
  );
}
