'use client';
/**
 * The calls of a sparse topology drawn as one SVG layer in React Flow's viewport, as a
 * dense graph's are (edge-layer.tsx), but with an element per call, so each keeps what a
 * React Flow edge gave it: its colour, width and arrowhead, its accessible name, its
 * tooltip on hover (p95, mTLS), and its label once zoomed in close enough to read. A
 * React Flow edge costs a store subscription, its own <svg> and a marker; mounting a
 * hundred of them was most of the script of a namespace filter (bench:web). The calls
 * of the hovered or selected workload are left to React Flow, highlighted and labelled.
 */
import { ViewportPortal } from '@xyflow/react';
import { memo } from 'react';
import { arrowPath, type EdgeCurve } from '../../lib/topology/edge-curves.ts';
import { type CallFigures, CallLabel, callName, callTooltip } from './edge-label.tsx';

export interface CallLayerProps {
  /** The calls drawn here: every call but those of the hovered or selected workload. */
  curves: EdgeCurve[];
  /** A workload is hovered or selected: the calls drawn here do not touch it. */
  dimmed: boolean;
  /** Zoomed in close enough to read: each call shows its label (unless dimmed). */
  labelled: boolean;
}

function figuresOf(c: EdgeCurve): CallFigures {
  const m = c.call.metrics;
  return {
    rps: m.rps,
    successRate: m.successRate,
    p95Ms: m.latencyP95Ms,
    health: c.health,
    securedShare: c.call.securedShare,
  };
}

/** One call: its line, its arrowhead, and a wider invisible stroke to hover it by. */
const Call = memo(function Call({ curve }: { curve: EdgeCurve }) {
  const figures = figuresOf(curve);
  return (
    // biome-ignore lint/a11y/noInteractiveElementToNoninteractiveRole: an SVG group is not interactive; each call is an image with a name, as a React Flow edge is.
    <g
      className={`health-${curve.health}`}
      role="img"
      aria-label={callName(curve.source, curve.target, figures)}
    >
      <title>{callTooltip(figures)}</title>
      <path className="topo-edge-lines" d={curve.d} strokeWidth={curve.width} />
      <path className="topo-edge-arrows" d={arrowPath(curve.tip, curve.width)} />
      <path className="topo-call-hit" d={curve.d} />
    </g>
  );
});

const Label = memo(function Label({ curve }: { curve: EdgeCurve }) {
  return <CallLabel figures={figuresOf(curve)} x={curve.label.x} y={curve.label.y} highlighted={false} />;
});

function CallLayerView({ curves, dimmed, labelled }: CallLayerProps) {
  return (
    <ViewportPortal>
      {/* biome-ignore lint/a11y/useSemanticElements: an SVG cannot be a fieldset; a group, so each call inside keeps its name. */}
      <svg
        className={`topo-edge-layer per-call${dimmed ? ' dimmed' : ''}`}
        role="group"
        aria-label={`${curves.length} calls between workloads`}
      >
        {curves.map((c) => (
          <Call key={c.id} curve={c} />
        ))}
      </svg>
      {labelled && !dimmed && (
        <div className="topo-call-labels">
          {curves.map((c) => (
            <Label key={c.id} curve={c} />
          ))}
        </div>
      )}
    </ViewportPortal>
  );
}

export const CallLayer = memo(CallLayerView);
