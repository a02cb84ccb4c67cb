'use client';
/**
 * The topology canvas: turns a laid-out slice of the mesh into @xyflow/react nodes
 * (namespace boxes with their workloads inside) and edges, and highlights the hovered or
 * selected workload's calls. Every workload stays mounted while the view moves: React
 * Flow's culling of off-screen elements (onlyRenderVisibleElements) cost more main-thread
 * time per frame of a pan or zoom than it saved (bench:web). The calls are drawn as one
 * SVG layer, an element per call with its name, tooltip and label on a sparse graph
 * (call-layer.tsx), a few paths for all of them on a dense one (more than `SPARSE_EDGES`
 * calls, edge-layer.tsx); React Flow is given only the hovered or selected workload's
 * calls, highlighted and labelled.
 */
import type { Edge, TopologyNode } from '@weft/shared';
import {
  Background,
  Controls,
  MarkerType,
  MiniMap,
  type Node,
  type NodeMouseHandler,
  type OnMove,
  type OnMoveStart,
  ReactFlow,
  useReactFlow,
  useStoreApi,
  type Viewport,
} from '@xyflow/react';
import { type KeyboardEvent, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { type Health, healthOf } from '../../lib/health.ts';
import { edgeCurves, groupCurves, WORKLOAD_HANDLES } from '../../lib/topology/edge-curves.ts';
import { edgeId, groupOf, isUnknownCaller, nodeId, OUTSIDE } from '../../lib/topology/graph.ts';
import { NODE_HEIGHT, NODE_WIDTH, type TopologyLayout } from '../../lib/topology/layout.ts';
import { CallLayer } from './call-layer.tsx';
import { CanaryWorkloads } from './canary-marks.tsx';
import { callName } from './edge-label.tsx';
import { EdgeLayer } from './edge-layer.tsx';
import { FIT, fitOf, sameViewport } from './fit.ts';
import { MovingFill, useHeldView, useSplitWhileMoving } from './moving-layer.tsx';
import { NamespaceBoxNode, type NamespaceFlowNode } from './namespace-box-node.tsx';
import { TrafficEdge, type TrafficFlowEdge } from './traffic-edge.tsx';
import { type WorkloadFlowNode, WorkloadNode, workloadLabel } from './workload-node.tsx';

const nodeTypes = { workload: WorkloadNode, namespace: NamespaceBoxNode };
const edgeTypes = { traffic: TrafficEdge };

/**
 * With at most this many calls, each is its own element of the layer, named, with a
 * tooltip, and labelled once zoomed in; with more, they are drawn as a few paths.
 */
const SPARSE_EDGES = 250;

/**
 * Level of detail by zoom, applied as one class on the canvas (one store subscription,
 * not one per node and edge): below `near` the labels of a sparse graph's calls are not
 * drawn (nor mounted: the call layer follows this level), below `far` the workloads'
 * metrics lines are hidden too.
 */
const LOD = { near: 0.8, far: 0.45 } as const;
const lodOf = (s: { transform: [number, number, number] }) =>
  s.transform[2] >= LOD.near ? 'lod-near' : s.transform[2] >= LOD.far ? 'lod-mid' : 'lod-far';

/** How long the view stays promoted after a pan or zoom ends, ms (see `setMoving`). */
const SETTLE_MS = 400;

const HEALTH_COLOUR: Record<Health, string> = {
  healthy: 'var(--healthy)',
  degraded: 'var(--degraded)',
  failing: 'var(--failing)',
  idle: 'var(--idle)',
  unknown: 'var(--idle)',
};

export interface TopologyGraphProps {
  nodes: TopologyNode[];
  edges: Edge[];
  layout: TopologyLayout;
  /** Changes when the graph's shape changes: the view is fitted again then. */
  shape: string;
  matches: ReadonlySet<string>;
  selected: string | null;
  onSelect: (id: string | null) => void;
  onOpen: (id: string) => void;
  /** Called once a new shape is drawn, fitted to the canvas. */
  onRendered?: (info: { nodes: number; edges: number }) => void;
  /**
   * The canvas's size, when known before it mounts: the view then starts where the fit
   * will put it rather than at zoom 1, so the edges are first drawn at the fitted level
   * of detail. (From zoom 1, a namespace filter's edges were drawn with their labels once
   * measured, only to be drawn again without them when the fit zoomed out.)
   */
  size?: { width: number; height: number };
}

type FlowNode = WorkloadFlowNode | NamespaceFlowNode;

const WORKLOAD_SIZE = { width: NODE_WIDTH, height: NODE_HEIGHT } as const;

export function TopologyGraph(props: TopologyGraphProps) {
  const { nodes, edges, layout, shape, matches, selected, onSelect, onOpen, onRendered, size } = props;
  const [hovered, setHovered] = useState<string | null>(null);
  const canaries = useContext(CanaryWorkloads);
  const focusId = hovered ?? selected;
  const flow = useReactFlow();
  const store = useStoreApi();
  // The level of detail follows the zoom only while the view is still (switched mid-gesture, it
  // restyled every workload and mounted every call label in one frame); it catches up on settling.
  const [lod, setLod] = useState(() => lodOf(store.getState()));
  const dense = edges.length > SPARSE_EDGES;
  // The helper object changes identity once the viewport is ready; the fit must not re-run then.
  const flowRef = useRef(flow);
  flowRef.current = flow;
  // Marks a pan or zoom in progress (topology.css: the view is then moved as one
  // composited layer). A class set directly, not state: no re-render per gesture.
  // Not for the fit to a new shape: promoting the view and dropping it again right after
  // would only re-raster the whole pane once more before it is shown.
  // The class is dropped only a moment after the move ends: a wheel zoom "ends" whenever
  // a frame takes longer than d3-zoom's 150 ms between two wheel events, and dropping
  // the layer then, to take it again at the next event, re-rasterised the pane twice more.
  const keysRef = useRef<HTMLDivElement>(null);
  const fittingRef = useRef(false);
  const settleRef = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // While still, the view is held in that layer (moving-layer.tsx): a pan begins with nothing to repaint.
  const held = useHeldView(keysRef);
  const setMoving = (moving: boolean) => {
    clearTimeout(settleRef.current);
    if (moving) {
      held.cancel();
      if (!fittingRef.current) keysRef.current?.classList.add('topo-moving');
    } else {
      settleRef.current = setTimeout(() => {
        keysRef.current?.classList.remove('topo-moving', 'topo-zooming');
        setLod(lodOf(store.getState()));
        held.settled();
      }, SETTLE_MS);
    }
  };
  // While a zoom gesture (wheel or pinch, not a pan nor a programmatic fit: those have no
  // event) changes the scale, a dense graph's call layer and the dot grid are hidden
  // (.topo-zooming), as Cytoscape's hideEdgesOnViewport does: Chromium re-rasterises the
  // whole layer each time the scale drifts far from the one it was drawn at, a frame of
  // 300 ms or more. They are shown again with the rest once the view settles.
  const startZoomRef = useRef(1);
  const onMoveStart: OnMoveStart = (_, viewport) => {
    startZoomRef.current = viewport.zoom;
    setMoving(true);
  };
  const onMove: OnMove = (event, viewport) => {
    if (event && viewport.zoom !== startZoomRef.current) keysRef.current?.classList.add('topo-zooming');
  };
  useEffect(() => () => clearTimeout(settleRef.current), []);
  // A zoom with no gesture (the fit to a new shape) changes the level at once.
  useEffect(
    () =>
      store.subscribe((state) => {
        if (!keysRef.current?.classList.contains('topo-moving')) setLod(lodOf(state));
      }),
    [store],
  );
  // While it moves, the view is one layer whose raster scale does not jump (moving-layer.tsx).
  useSplitWhileMoving(keysRef);

  const neighbours = useMemo(() => {
    if (focusId === null) return null;
    const set = new Set([focusId]);
    for (const e of edges) {
      const s = nodeId(e.source);
      const d = nodeId(e.destination);
      if (s === focusId) set.add(d);
      if (d === focusId) set.add(s);
    }
    return set;
  }, [focusId, edges]);

  const flowNodes = useMemo<FlowNode[]>(() => {
    const out: FlowNode[] = [];
    const counts = new Map<string, number>();
    for (const n of nodes) counts.set(n.namespace, (counts.get(n.namespace) ?? 0) + 1);
    for (const [ns, box] of layout.boxes) {
      if (ns === OUTSIDE) continue;
      out.push({
        id: `ns:${ns}`,
        type: 'namespace',
        position: { x: box.x, y: box.y },
        width: box.width,
        height: box.height,
        // Its size as drawn (whole pixels, as React Flow measures): nothing to re-measure.
        measured: { width: Math.round(box.width), height: Math.round(box.height) },
        data: { namespace: ns, workloads: counts.get(ns) ?? 0, dimmed: false },
        selectable: false,
        draggable: false,
        focusable: false,
        ariaLabel: `Namespace ${ns}`,
      });
    }
    for (const n of nodes) {
      const id = nodeId(n);
      const p = layout.positions.get(id);
      const group = groupOf(n);
      const box = layout.boxes.get(group);
      if (!p || !box) continue;
      const health = n.meshed ? healthOf(n.metrics) : 'unknown';
      const unknownCaller = isUnknownCaller(n);
      out.push({
        id,
        type: 'workload',
        // Unknown callers belong to no namespace: no parent box, absolute positions.
        // (Above a dense graph's edge layer, as the workloads in a box are.)
        ...(group === OUTSIDE
          ? { position: { x: box.x + p.x, y: box.y + p.y }, zIndex: 1 }
          : { parentId: `ns:${n.namespace}`, position: p }),
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        // Size and anchors known up front: React Flow draws the calls in the first commit
        // and its measuring of the mounted nodes finds nothing to change, so it does not
        // re-render every node once more (before, the frame after a mount did).
        measured: WORKLOAD_SIZE,
        handles: WORKLOAD_HANDLES,
        selected: id === selected,
        data: {
          namespace: n.namespace,
          name: n.name,
          meshed: n.meshed,
          metrics: n.metrics,
          health,
          matched: matches.has(id),
          dimmed: neighbours !== null && !neighbours.has(id),
          unknownCaller,
          canary: canaries.has(id),
        },
        ariaLabel: `${workloadLabel(n, health, unknownCaller)}${canaries.has(id) ? ', canary running' : ''}`,
      });
    }
    return out;
  }, [nodes, layout, matches, neighbours, selected, canaries]);

  // Where the fit will put the view, from the nodes' known sizes: taken once, at mount.
  const [initialViewport] = useState<Viewport | undefined>(() => fitOf(flowNodes, size));

  // The layer's curves follow the layout; which are left to React Flow follows the focus.
  const curves = useMemo(() => edgeCurves(edges, layout), [edges, layout]);
  const layerCurves = useMemo(
    () => (focusId === null ? curves : curves.filter((c) => c.source !== focusId && c.target !== focusId)),
    [curves, focusId],
  );
  const layerGroups = useMemo(() => (dense ? groupCurves(layerCurves) : []), [dense, layerCurves]);

  // React Flow draws only the calls of the hovered or selected workload, above the layer.
  const flowEdges = useMemo<TrafficFlowEdge[]>(
    () =>
      edges
        .filter((e) => touchesFocus(e, focusId))
        .map((e) => {
          const s = nodeId(e.source);
          const d = nodeId(e.destination);
          const health = healthOf(e.metrics);
          return {
            id: edgeId(e),
            source: s,
            target: d,
            type: 'traffic',
            markerEnd: { type: MarkerType.ArrowClosed, color: HEALTH_COLOUR[health], width: 16, height: 16 },
            zIndex: 10,
            data: {
              rps: e.metrics.rps,
              successRate: e.metrics.successRate,
              p95Ms: e.metrics.latencyP95Ms,
              health,
              securedShare: e.securedShare,
            },
            ariaLabel: callName(s, d, e.metrics),
          };
        }),
    [edges, focusId],
  );

  // A new shape is drawn unheld until the fit holds it at its scale; the first, from the fit, at once.
  const firstShapeRef = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again on purpose for each new shape.
  useLayoutEffect(() => {
    firstShapeRef.current && initialViewport ? held.hold() : held.release();
    firstShapeRef.current = false;
  }, [shape]);
  // Fit the view whenever the shape changes, then report once the new shape is painted.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again on purpose for each new shape.
  useEffect(() => {
    let cancelled = false;
    const count = { nodes: nodes.length, edges: edges.length };
    const raf = requestAnimationFrame(() => {
      fittingRef.current = true;
      // Every node's size is known up front, so the fit is computed here at once (React
      // Flow's fitView would wait a frame or two more for nodes it has nothing to measure
      // on); fitView stays for a pane not sized yet. A view already there is not moved.
      const { width, height } = store.getState();
      const fit = fitOf(flowNodes, { width, height });
      const flow = flowRef.current;
      const moved =
        fit === undefined
          ? flow.fitView({ padding: FIT.padding, duration: 0, maxZoom: FIT.maxZoom })
          : sameViewport(flow.getViewport(), fit)
            ? Promise.resolve(true)
            : flow.setViewport(fit, { duration: 0 });
      void moved.then(() => {
        fittingRef.current = false;
        if (!cancelled) held.hold();
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            if (!cancelled) onRendered?.(count);
          }),
        );
      });
    });
    return () => {
      cancelled = true;
      cancelAnimationFrame(raf);
    };
  }, [shape]);

  const onNodeEnter: NodeMouseHandler<Node> = (_, n) => {
    if (n.type === 'workload') setHovered(n.id);
  };
  const onNodeLeave: NodeMouseHandler<Node> = () => setHovered(null);
  const onNodeClick: NodeMouseHandler<Node> = (_, n) => {
    if (n.type === 'workload') onSelect(n.id);
  };
  const onNodeDoubleClick: NodeMouseHandler<Node> = (_, n) => {
    if (n.type === 'workload') onOpen(n.id);
  };
  // Keyboard: nodes are focusable (Tab); Enter or Space selects the focused workload as a
  // click does, Escape clears the selection.
  const onKeyDown = (ev: KeyboardEvent<HTMLDivElement>) => {
    const el = (ev.target as HTMLElement).closest('.react-flow__node-workload');
    if (ev.key === 'Escape') {
      onSelect(null);
      return;
    }
    if (!el || (ev.key !== 'Enter' && ev.key !== ' ')) return;
    const id = el.getAttribute('data-id');
    if (id) {
      ev.preventDefault();
      onSelect(id);
    }
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: keys reach it from the focusable nodes inside.
    <div className="topo-keys" ref={keysRef} onKeyDown={onKeyDown}>
      <ReactFlow<FlowNode, TrafficFlowEdge>
        nodes={flowNodes}
        edges={flowEdges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodeMouseEnter={onNodeEnter}
        onNodeMouseLeave={onNodeLeave}
        onNodeClick={onNodeClick}
        onNodeDoubleClick={onNodeDoubleClick}
        onPaneClick={() => onSelect(null)}
        onMoveStart={onMoveStart}
        onMove={onMove}
        onMoveEnd={() => setMoving(false)}
        nodesDraggable={false}
        nodesConnectable={false}
        edgesFocusable={false}
        zoomOnDoubleClick={false}
        minZoom={FIT.minZoom}
        maxZoom={2}
        defaultViewport={initialViewport}
        proOptions={{ hideAttribution: true }}
        aria-label="Service topology graph"
        className={lod}
        colorMode="system"
      >
        <Background gap={24} size={1} color="var(--canvas-dots)" />
        <MovingFill />
        {dense ? (
          <EdgeLayer groups={layerGroups} count={curves.length} dimmed={focusId !== null} />
        ) : (
          // Labels are mounted only once they can be read (at `LOD.near`), not hidden by CSS.
          <CallLayer curves={layerCurves} dimmed={focusId !== null} labelled={lod === 'lod-near'} />
        )}
        {/* bottom-left: the minimap takes the bottom-right corner, and covered the buttons there */}
        <Controls showInteractive={false} position="bottom-left" fitViewOptions={FIT} />
        <MiniMap
          pannable
          zoomable
          ariaLabel="Topology overview map"
          nodeColor={(n) =>
            n.type === 'namespace' ? 'var(--idle-weak)' : HEALTH_COLOUR[(n.data as { health: Health }).health]
          }
          nodeStrokeColor={(n) => (n.type === 'namespace' ? 'var(--node-border)' : 'transparent')}
        />
      </ReactFlow>
    </div>
  );
}

/** Whether a call starts or ends at the focused workload. */
function touchesFocus(e: Edge, focusId: string | null): boolean {
  return focusId !== null && (nodeId(e.source) === focusId || nodeId(e.destination) === focusId);
}
