/**
 * Where each call of the topology is drawn in its layer of calls: its curve from the
 * caller's right side to the callee's left side (the same curve React Flow draws for an
 * edge between those anchors), where its label goes, its stroke width from its rps, and
 * its health; grouped for a dense graph so that each group is stroked as a few paths.
 * Pure, no DOM, so the geometry is tested in Node.
 */
import type { Edge } from '@weft/shared';
import { getBezierPath, type NodeHandle, Position } from '@xyflow/react';
import { type Health, healthOf } from '../health.ts';
import { edgeId, groupOf, nodeId } from './graph.ts';
import { NODE_HEIGHT, NODE_WIDTH, type TopologyLayout } from './layout.ts';

/** How far a node's connection anchor sticks out of its side, in pixels (half its width). */
const ANCHOR_REACH = 2;

/**
 * A workload's two connection anchors, relative to its top-left corner, as React Flow
 * would measure them from the DOM (topology.css: 4 px squares centred on the left and
 * right sides): the callee end on the left, the caller end on the right. Given to React
 * Flow up front, so a new shape's calls are drawn in its first commit without measuring.
 */
export const WORKLOAD_HANDLES: NodeHandle[] = [
  {
    type: 'target',
    position: Position.Left,
    x: -ANCHOR_REACH,
    y: NODE_HEIGHT / 2 - ANCHOR_REACH,
    width: 2 * ANCHOR_REACH,
    height: 2 * ANCHOR_REACH,
  },
  {
    type: 'source',
    position: Position.Right,
    x: NODE_WIDTH - ANCHOR_REACH,
    y: NODE_HEIGHT / 2 - ANCHOR_REACH,
    width: 2 * ANCHOR_REACH,
    height: 2 * ANCHOR_REACH,
  },
];

/** Stroke width from rps, on a log scale: 1.2 px at idle, about 4 px at 1k rps. */
export function strokeWidth(rps: number): number {
  return 1.2 + Math.min(3, Math.log10(1 + rps));
}

export interface EdgeCurve {
  id: string;
  source: string;
  target: string;
  /** SVG path data of the curve, in flow coordinates. */
  d: string;
  /** Where the curve leaves the caller. */
  start: { x: number; y: number };
  /** The arrow's tip: where the curve meets the callee. */
  tip: { x: number; y: number };
  /** The middle of the curve, where React Flow would centre the call's label. */
  label: { x: number; y: number };
  width: number;
  health: Health;
  /** The call itself, for its name, label and tooltip. */
  call: Edge;
}

/** A workload's top-left corner in flow coordinates, or undefined when not laid out. */
function corner(layout: TopologyLayout, ref: { namespace: string; name: string }) {
  const p = layout.positions.get(nodeId(ref));
  const box = layout.boxes.get(groupOf(ref));
  return p && box ? { x: box.x + p.x, y: box.y + p.y } : undefined;
}

/** The curve of every edge whose two ends are laid out. */
export function edgeCurves(edges: readonly Edge[], layout: TopologyLayout): EdgeCurve[] {
  const out: EdgeCurve[] = [];
  for (const e of edges) {
    const from = corner(layout, e.source);
    const to = corner(layout, e.destination);
    if (!from || !to) continue;
    const sourceX = from.x + NODE_WIDTH + ANCHOR_REACH;
    const sourceY = from.y + NODE_HEIGHT / 2;
    const targetX = to.x - ANCHOR_REACH;
    const targetY = to.y + NODE_HEIGHT / 2;
    const [d, labelX, labelY] = getBezierPath({
      sourceX,
      sourceY,
      sourcePosition: Position.Right,
      targetX,
      targetY,
      targetPosition: Position.Left,
    });
    out.push({
      id: edgeId(e),
      source: nodeId(e.source),
      target: nodeId(e.destination),
      d,
      start: { x: sourceX, y: sourceY },
      tip: { x: targetX, y: targetY },
      label: { x: labelX, y: labelY },
      width: strokeWidth(e.metrics.rps),
      health: healthOf(e.metrics),
      call: e,
    });
  }
  return out;
}

/**
 * A call's arrowhead at `tip`, pointing right, as React Flow's closed marker draws it for
 * a stroke of `width`: 4 widths long, 3.2 either side.
 */
export function arrowPath(tip: { x: number; y: number }, width: number): string {
  const length = 4 * width;
  const half = 3.2 * width;
  return `M${tip.x},${tip.y}L${tip.x - length},${tip.y - half}L${tip.x - length},${tip.y + half}Z`;
}

/** Curves that share a colour and (rounded) width, stroked alike. */
export interface CurveGroup {
  health: Health;
  width: number;
  curves: EdgeCurve[];
  /**
   * The same curves bundled by the pair of regions they join, one path each: Chromium
   * draws a layer in tiles and skips a path whose bounds miss the tile, while one path
   * spanning the whole graph is stroked again for every tile. In bench:web, a path per
   * colour and width alone made the re-raster of a zoomed view cost ~1 s of CPU; per
   * region pair, half that.
   */
  bundles: EdgeCurve[][];
}

/** Width steps a group rounds to: fine enough that no one sees the difference. */
const WIDTH_STEP = 0.25;

/** Side of the square regions that bundle a group's curves (see `CurveGroup`), in flow pixels. */
export const REGION = 800;

const region = (p: { x: number; y: number }) => `${Math.floor(p.x / REGION)},${Math.floor(p.y / REGION)}`;

/** Groups curves by health and width, leaving out those `skip` says to. */
export function groupCurves(curves: readonly EdgeCurve[], skip?: (c: EdgeCurve) => boolean): CurveGroup[] {
  const groups = new Map<string, { group: CurveGroup; bundles: Map<string, EdgeCurve[]> }>();
  for (const c of curves) {
    if (skip?.(c)) continue;
    const width = Math.round(c.width / WIDTH_STEP) * WIDTH_STEP;
    const key = `${c.health}:${width}`;
    let g = groups.get(key);
    if (!g) {
      g = { group: { health: c.health, width, curves: [], bundles: [] }, bundles: new Map() };
      groups.set(key, g);
    }
    g.group.curves.push(c);
    const between = `${region(c.start)}:${region(c.tip)}`;
    let bundle = g.bundles.get(between);
    if (!bundle) {
      bundle = [];
      g.bundles.set(between, bundle);
      g.group.bundles.push(bundle);
    }
    bundle.push(c);
  }
  return [...groups.values()].map((g) => g.group);
}
