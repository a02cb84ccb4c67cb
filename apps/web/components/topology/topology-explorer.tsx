'use client';
/**
 * The topology explorer: filter by namespace, search a workload, focus on one and its
 * neighbours within N hops, select to see details, open the workload page. Filters
 * live in the URL (applied at once, the URL following: use-instant-query-param.ts).
 * Layout runs only when the shape of what is shown changes.
 */
import type { Topology } from '@weft/shared';
import { ReactFlowProvider } from '@xyflow/react';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  type GraphSlice,
  type GraphView,
  searchNodes,
  shapeKey,
  sliceTopology,
} from '../../lib/topology/graph.ts';
import { layoutTopology, type TopologyLayout, withinElkBudget } from '../../lib/topology/layout.ts';
import { flushQueryParams, useInstantQueryParam } from '../../lib/use-instant-query-param.ts';
import { SelectedWorkloadPanel } from './selected-workload-panel.tsx';
import { TopologyGraph } from './topology-graph.tsx';
import { TopologyLegend } from './topology-legend.tsx';
import { TopologyToolbar } from './topology-toolbar.tsx';

export interface TopologyExplorerProps {
  topology: Topology;
  /** Builds the link to a workload's page. */
  workloadHref: (namespace: string, name: string) => string;
  onRendered?: (info: RenderedInfo) => void;
}

/** What a drawn shape reports: its size and its layout's engine and cost. */
export interface RenderedInfo {
  nodes: number;
  edges: number;
  engine: 'elk' | 'rank';
  layoutMs: number;
}

const MAX_HOPS = 4;
const NO_MATCHES: string[] = [];

export function TopologyExplorer({ topology, workloadHref, onRendered }: TopologyExplorerProps) {
  const router = useRouter();
  const [namespace, setNamespace] = useInstantQueryParam('ns');
  const [focus, setFocus] = useInstantQueryParam('focus');
  const [hopsParam, setHops] = useInstantQueryParam('hops');
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const hops = Math.min(MAX_HOPS, Math.max(1, Number(hopsParam ?? 1) || 1));

  const namespaces = useMemo(() => {
    const set = new Set<string>();
    for (const n of topology.nodes) set.add(n.namespace);
    for (const e of topology.edges) {
      set.add(e.source.namespace);
      set.add(e.destination.namespace);
    }
    return [...set].sort();
  }, [topology]);

  const view: GraphView = useMemo(() => ({ namespace, focus, hops }), [namespace, focus, hops]);
  const slice = useMemo(() => sliceTopology(topology, view), [topology, view]);
  const shape = useMemo(() => shapeKey(slice.nodes, slice.edges), [slice]);
  // Without a search the matches stay the same object, so a filter change does not
  // redraw every workload of the shape still on screen while the new one is laid out.
  const matches = useMemo(
    () => (search.trim() === '' ? NO_MATCHES : searchNodes(slice.nodes, search)),
    [slice.nodes, search],
  );
  const matchSet = useMemo(() => new Set(matches), [matches]);

  // What is drawn: the last slice laid out. Until a new shape's layout is ready, the
  // previous one stays on screen as it was (no half-updated intermediate render).
  const [laidOut, setLaidOut] = useState<{ shape: string; layout: TopologyLayout; slice: GraphSlice } | null>(
    null,
  );
  const [layoutError, setLayoutError] = useState<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the layout follows the shape, not each metrics refresh.
  useEffect(() => {
    let cancelled = false;
    const show = (layout: TopologyLayout) => {
      if (cancelled) return;
      setLayoutError(null);
      setLaidOut({ shape, layout, slice });
    };
    const fail = (err: unknown) => {
      if (!cancelled) setLayoutError(err instanceof Error ? err.message : String(err));
    };
    // The fast ranking first, drawn at once; then ELK's layout where the slice is small
    // enough for it. Should ELK fail, the ranking simply stays.
    layoutTopology(slice.nodes, slice.edges, 'rank').then((quick) => {
      show(quick);
      if (withinElkBudget(slice.nodes, slice.edges)) {
        layoutTopology(slice.nodes, slice.edges, 'elk').then(show, () => {});
      }
    }, fail);
    return () => {
      cancelled = true;
    };
  }, [shape]);

  const open = useCallback(
    (id: string) => {
      const [ns, name] = id.split('/');
      if (!ns || !name) return;
      flushQueryParams();
      router.push(workloadHref(ns, name));
    },
    [router, workloadHref],
  );

  const current = laidOut !== null && laidOut.shape === shape;
  // The canvas's size, read when a new shape is drawn in place of the previous one.
  const canvasRef = useRef<HTMLDivElement>(null);
  const canvas = canvasRef.current;
  const selectedNode =
    selected === null ? undefined : slice.nodes.find((n) => `${n.namespace}/${n.name}` === selected);

  return (
    <section className="topology" aria-label="Topology">
      <TopologyToolbar
        namespaces={namespaces}
        namespace={namespace}
        onNamespace={(ns) => {
          setNamespace(ns);
          setSelected(null);
        }}
        search={search}
        onSearch={setSearch}
        matches={matches}
        onFocus={(id) => {
          setFocus(id);
          setSelected(id);
        }}
        focus={focus}
        onClearFocus={() => setFocus(null)}
        hops={hops}
        maxHops={MAX_HOPS}
        onHops={(h) => setHops(String(h))}
        counts={{ nodes: slice.nodes.length, edges: slice.edges.length }}
      />
      <div className="topology-body">
        <div className="topology-canvas" aria-busy={!current} ref={canvasRef}>
          {layoutError !== null ? (
            <p className="state-error" role="alert">
              The graph could not be laid out: {layoutError}
            </p>
          ) : slice.nodes.length === 0 ? (
            <div className="state-empty">
              <p>No workload matches these filters.</p>
            </div>
          ) : laidOut === null ? (
            <p className="state-loading">Laying out {slice.nodes.length} workloads…</p>
          ) : (
            // A new shape gets a new canvas rather than a diff of the old one: in a bench:web
            // trace of a namespace filter on 300 workloads, ~170 ms of script went to React
            // Flow's per-workload store selector, run for every mounted workload (including
            // those the new shape drops) on each store update until they unmount.
            <ReactFlowProvider key={laidOut.shape}>
              <TopologyGraph
                nodes={current ? slice.nodes : laidOut.slice.nodes}
                edges={current ? slice.edges : laidOut.slice.edges}
                layout={laidOut.layout}
                shape={`${laidOut.shape}|${laidOut.layout.engine}`}
                matches={matchSet}
                selected={selected}
                onSelect={setSelected}
                onOpen={open}
                size={canvas ? { width: canvas.clientWidth, height: canvas.clientHeight } : undefined}
                onRendered={
                  onRendered &&
                  ((info) =>
                    onRendered({
                      ...info,
                      engine: laidOut.layout.engine,
                      layoutMs: laidOut.layout.elapsedMs,
                    }))
                }
              />
            </ReactFlowProvider>
          )}
          {!current && laidOut !== null && <div className="topology-relayout">Updating layout…</div>}
        </div>
        {selectedNode && (
          <SelectedWorkloadPanel
            node={selectedNode}
            edges={slice.edges}
            href={workloadHref(selectedNode.namespace, selectedNode.name)}
            focused={focus === selected}
            onFocus={() => setFocus(selected)}
            onClose={() => setSelected(null)}
          />
        )}
      </div>
      <TopologyLegend />
    </section>
  );
}
