'use client';
/**
 * The calls of a dense topology drawn on one canvas instead of one SVG element each: a
 * thousand React Flow edges cost seconds to mount and a frame budget several times
 * over to pan, a canvas stroke of them a few milliseconds. The canvas covers the pane
 * behind React Flow's viewport (the namespace boxes are transparent but for their
 * titles, the workloads hide the lines' ends as React Flow's own edges do), and is
 * redrawn when the view moves (in the same task as React Flow moves its viewport, so
 * lines and workloads never part), when the curves change, and when the colour scheme
 * does. Nothing inside the viewport changes when the view moves. Colours, widths, arrows and
 * dimming follow the SVG edges of a sparse graph (topology.css). The calls of the
 * hovered or selected workload are left to React Flow, with their labels.
 */
import { useStoreApi } from '@xyflow/react';
import { useEffect, useMemo, useRef } from 'react';
import type { Health } from '../../lib/health.ts';
import type { CurveGroup } from '../../lib/topology/edge-curves.ts';

/** The CSS variable holding each health's colour. */
const COLOUR_VAR: Record<Health, string> = {
  healthy: '--healthy',
  degraded: '--degraded',
  failing: '--failing',
  idle: '--idle',
  unknown: '--idle',
};
/** Opacity of a call, and of one not touching the focused workload (as topology.css). */
const OPACITY = 0.7;
const DIMMED_OPACITY = 0.12;

interface Prepared {
  health: Health;
  width: number;
  path: Path2D;
  arrows: Path2D;
}

/** One Path2D per group for the lines, one for the arrowheads. */
function prepare(groups: readonly CurveGroup[]): Prepared[] {
  return groups.map((g) => {
    const path = new Path2D();
    const arrows = new Path2D();
    // The arrow of React Flow's closed marker, in stroke widths: 4 long, 3.2 either side.
    const length = 4 * g.width;
    const half = 3.2 * g.width;
    for (const c of g.curves) {
      path.addPath(new Path2D(c.d));
      arrows.moveTo(c.tip.x, c.tip.y);
      arrows.lineTo(c.tip.x - length, c.tip.y - half);
      arrows.lineTo(c.tip.x - length, c.tip.y + half);
      arrows.closePath();
    }
    return { health: g.health, width: g.width, path, arrows };
  });
}

export interface EdgeCanvasProps {
  groups: CurveGroup[];
  /** How many calls the canvas draws, for its accessible name. */
  count: number;
  /** A workload is hovered or selected: the calls drawn here do not touch it. */
  dimmed: boolean;
}

export function EdgeCanvas({ groups, count, dimmed }: EdgeCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const store = useStoreApi();
  const prepared = useMemo(() => prepare(groups), [groups]);

  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const draw = () => {
      const { transform, width, height } = store.getState();
      const [tx, ty, k] = transform;
      const dpr = window.devicePixelRatio || 1;
      const pw = Math.max(1, Math.round(width * dpr));
      const ph = Math.max(1, Math.round(height * dpr));
      if (canvas.width !== pw || canvas.height !== ph) {
        canvas.width = pw;
        canvas.height = ph;
      }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, pw, ph);
      ctx.setTransform(k * dpr, 0, 0, k * dpr, tx * dpr, ty * dpr);
      const style = getComputedStyle(canvas);
      ctx.globalAlpha = dimmed ? DIMMED_OPACITY : OPACITY;
      ctx.lineCap = 'round';
      for (const g of prepared) {
        const colour = style.getPropertyValue(COLOUR_VAR[g.health]).trim() || 'gray';
        ctx.strokeStyle = colour;
        ctx.fillStyle = colour;
        ctx.lineWidth = g.width;
        ctx.stroke(g.path);
        ctx.fill(g.arrows);
      }
    };
    draw();
    const unsubscribe = store.subscribe((s, prev) => {
      if (s.transform !== prev.transform || s.width !== prev.width || s.height !== prev.height) draw();
    });
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', draw);
    return () => {
      unsubscribe();
      scheme.removeEventListener('change', draw);
    };
  }, [prepared, dimmed, store]);

  return (
    <canvas
      ref={ref}
      className="topo-edge-canvas"
      role="img"
      aria-label={`${count} calls between workloads, drawn as lines; select a workload to show its calls with their traffic`}
    />
  );
}
