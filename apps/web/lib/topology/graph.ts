/**
 * The topology as a graph the explorer can cut down: node ids, the namespace filter,
 * workload search, and focus on one workload with its neighbours within N hops.
 * Pure functions, no React, so the same code serves the page and the benchmark.
 */
import {
  type Edge,
  type GoldenMetrics,
  type Topology,
  type TopologyNode,
  UNKNOWN_SOURCE,
} from '@weft/shared';

/** A node's stable id: `namespace/name`. */
export function nodeId(ref: { namespace: string; name: string }): string {
  return `${ref.namespace}/${ref.name}`;
}

/** The group of nodes drawn outside every namespace box: callers nobody could name. */
export const OUTSIDE = '';

/** Whether a node (or edge end) is a caller neither side of its calls could name. */
export function isUnknownCaller(ref: { name: string; meshed?: boolean }): boolean {
  return ref.name === UNKNOWN_SOURCE && ref.meshed !== true;
}

/** The namespace box a node is drawn in, or `OUTSIDE` for an unknown caller. */
export function groupOf(n: { namespace: string; name: string; meshed?: boolean }): string {
  return isUnknownCaller(n) ? OUTSIDE : n.namespace;
}

/** An edge's stable id: `source->destination`. */
export function edgeId(edge: Edge): string {
  return `${nodeId(edge.source)}->${nodeId(edge.destination)}`;
}

/** What to show of the topology. */
export interface GraphView {
  /** Only this namespace (and its direct callers/callees elsewhere), or all when null. */
  namespace: string | null;
  /** Focus on this node id and its neighbours within `hops`, or null for no focus. */
  focus: string | null;
  hops: number;
}

export interface GraphSlice {
  nodes: TopologyNode[];
  edges: Edge[];
}

const EMPTY_METRICS: GoldenMetrics | null = null;

/**
 * The nodes the topology names, plus any workload that appears only at the end of an
 * edge (an unmeshed caller, say), so that every edge has both its ends drawn.
 */
export function completeNodes(topology: Topology): TopologyNode[] {
  const byId = new Map<string, TopologyNode>();
  for (const n of topology.nodes) byId.set(nodeId(n), n);
  for (const e of topology.edges) {
    for (const end of [e.source, e.destination]) {
      const id = nodeId(end);
      if (!byId.has(id)) {
        byId.set(id, { namespace: end.namespace, name: end.name, meshed: false, metrics: EMPTY_METRICS });
      }
    }
  }
  return [...byId.values()];
}

/** Node ids within `hops` of `start`, following edges in both directions. */
export function neighbourhood(start: string, edges: readonly Edge[], hops: number): Set<string> {
  const adjacent = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    let list = adjacent.get(a);
    if (!list) {
      list = [];
      adjacent.set(a, list);
    }
    list.push(b);
  };
  for (const e of edges) {
    const s = nodeId(e.source);
    const d = nodeId(e.destination);
    link(s, d);
    link(d, s);
  }
  const seen = new Set([start]);
  let frontier = [start];
  for (let i = 0; i < hops && frontier.length > 0; i++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const n of adjacent.get(id) ?? []) {
        if (!seen.has(n)) {
          seen.add(n);
          next.push(n);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

/** The part of the topology a view shows. */
export function sliceTopology(topology: Topology, view: GraphView): GraphSlice {
  let nodes = completeNodes(topology);
  let edges = topology.edges;
  if (view.namespace !== null) {
    const ns = view.namespace;
    edges = edges.filter((e) => e.source.namespace === ns || e.destination.namespace === ns);
    const keep = new Set<string>();
    for (const n of nodes) if (n.namespace === ns) keep.add(nodeId(n));
    for (const e of edges) {
      keep.add(nodeId(e.source));
      keep.add(nodeId(e.destination));
    }
    nodes = nodes.filter((n) => keep.has(nodeId(n)));
  }
  if (view.focus !== null) {
    const keep = neighbourhood(view.focus, edges, Math.max(0, view.hops));
    nodes = nodes.filter((n) => keep.has(nodeId(n)));
    edges = edges.filter((e) => keep.has(nodeId(e.source)) && keep.has(nodeId(e.destination)));
  }
  return { nodes, edges };
}

/** Node ids whose workload name (or `namespace/name`) contains the query, case-insensitively. */
export function searchNodes(nodes: readonly TopologyNode[], query: string): string[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [];
  const hits: string[] = [];
  for (const n of nodes) {
    const id = nodeId(n);
    if (id.toLowerCase().includes(q)) hits.push(id);
  }
  return hits;
}

/**
 * A string that changes only when the graph's shape changes (which nodes, which edges),
 * not when its metrics do: the key under which a layout can be reused.
 */
export function shapeKey(nodes: readonly TopologyNode[], edges: readonly Edge[]): string {
  const n = nodes.map(nodeId).sort().join(',');
  const e = edges.map(edgeId).sort().join(',');
  return `${n}|${e}`;
}
