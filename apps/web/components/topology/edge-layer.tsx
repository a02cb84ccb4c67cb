'use client';
/**
 * The calls of a dense topology drawn as one SVG layer instead of one React Flow edge
 * each: a thousand edges cost seconds to mount and several frame budgets to pan, while
 * this layer is one element with a path per colour and width (its lines in a few paths
 * by the regions they join, edge-curves.ts). It sits in React Flow's viewport (so
 * panning and zooming only move it, with no script at all), above the namespace boxes
 * and below the workloads, as React Flow's own edges do. Colours, widths, arrows and dimming follow the SVG edges
 * of a sparse graph (topology.css). The calls of the hovered or selected workload are
 * left to React Flow, with their labels.
 *
 * (A canvas was measured first: redrawing it on every frame of a pan cost less script
 * than React Flow's edges, but copying its pixels to the compositor each frame cost more
 * main-thread time than that saved.)
 */
import { ViewportPortal } from '@xyflow/react';
import { memo } from 'react';
import { arrowPath, type CurveGroup } from '../../lib/topology/edge-curves.ts';

export interface EdgeLayerProps {
  groups: CurveGroup[];
  /** How many calls the layer draws, for its accessible name. */
  count: number;
  /** A workload is hovered or selected: the calls drawn here do not touch it. */
  dimmed: boolean;
}

/** One group's arrowheads, in one path. */
function arrows(g: CurveGroup): string {
  return g.curves.map((c) => arrowPath(c.tip, g.width)).join('');
}

function EdgeLayerView({ groups, count, dimmed }: EdgeLayerProps) {
  return (
    <ViewportPortal>
      <svg
        className={`topo-edge-layer${dimmed ? ' dimmed' : ''}`}
        role="img"
        aria-label={`${count} calls between workloads, drawn as lines; select a workload to show its calls with their traffic`}
      >
        {groups.map((g) => (
          <g key={`${g.health}:${g.width}`} className={`health-${g.health}`}>
            {g.bundles.map((b) => (
              <path
                key={b[0]?.id}
                className="topo-edge-lines"
                d={b.map((c) => c.d).join('')}
                strokeWidth={g.width}
              />
            ))}
            <path className="topo-edge-arrows" d={arrows(g)} />
          </g>
        ))}
      </svg>
    </ViewportPortal>
  );
}

export const EdgeLayer = memo(EdgeLayerView);
