/**
 * Topology layout with elkjs, in two levels to keep the cost down at hundreds of nodes:
 * each namespace box is laid out on its own (layered, left to right, its internal edges
 * only), then the boxes are laid out as nodes of a small graph whose edges are the
 * cross-namespace calls. Box layouts are cached by the shape of their subgraph, so a
 * metrics refresh or a filter that keeps a namespace whole costs no layout at all.
 *
 * ELK's layered algorithm costs grow quickly with long edges and crossings (hundreds of
 * milliseconds for 30 densely connected workloads on this machine), so it is used for
 * slices up to `ELK_BUDGET` (a namespace, a focused neighbourhood), ranked on each
 * box's backbone: every workload's busiest incoming call (or, for a workload nothing
 * calls, its busiest call). Bigger slices (the whole mesh at hundreds of workloads) use
 * the linear-time ranking of rank-layout.ts. All edges are drawn either way.
 *
 *   ┌ ns: shop ──────────────┐        ┌ ns: payments ─────┐
 *   │ web ─▶ cart ─▶ stock   │ ─────▶ │ pay ─▶ ledger     │
 *   └────────────────────────┘        └───────────────────┘
 */
import type { Edge, TopologyNode } from '@weft/shared';
import type { ELK as ElkApi, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import { edgeId, groupOf, nodeId, shapeKey } from './graph.ts';
import { rankLayout } from './rank-layout.ts';

/** Largest slice laid out box by box with ELK's layered algorithm. */
export const ELK_BUDGET = { nodes: 60, edges: 150 } as const;

/** Size of a workload node, in pixels. */
export const NODE_WIDTH = 188;
export const NODE_HEIGHT = 52;
/** Room above a namespace box's first row for its title. */
const BOX_HEADER = 34;
const BOX_PAD = 16;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TopologyLayout {
  /** Namespace boxes, in absolute coordinates (`OUTSIDE`: the unknown callers' area). */
  boxes: Map<string, Rect>;
  /** Workload positions relative to their namespace box (or the `OUTSIDE` area). */
  positions: Map<string, { x: number; y: number }>;
  /** How the boxes were laid out inside, and how long the whole layout took (ms). */
  engine: 'elk' | 'rank';
  elapsedMs: number;
}

interface BoxLayout {
  width: number;
  height: number;
  positions: Map<string, { x: number; y: number }>;
}

/**
 * ELK is 1.5 MB of code and slow to warm up: it runs in a Web Worker, created on first
 * use, so it neither delays a page that never needs it nor blocks one that does. Where
 * workers are unavailable (tests in Node), the bundled build runs in-thread.
 */
let elkInstance: Promise<ElkApi> | null = null;
function elk(): Promise<ElkApi> {
  elkInstance ??= (async () => {
    if (typeof Worker !== 'undefined') {
      const { default: ElkConstructor } = await import('elkjs/lib/elk-api.js');
      return new ElkConstructor({
        workerFactory: () => new Worker(new URL('./elk-worker.ts', import.meta.url)),
      });
    }
    const { default: ElkBundled } = await import('elkjs/lib/elk.bundled.js');
    return new ElkBundled();
  })();
  return elkInstance;
}

/** Whether a slice is small enough for ELK's layered layout (see `ELK_BUDGET`). */
export function withinElkBudget(nodes: readonly TopologyNode[], edges: readonly Edge[]): boolean {
  return nodes.length <= ELK_BUDGET.nodes && edges.length <= ELK_BUDGET.edges;
}
const boxCache = new Map<string, BoxLayout>();
const BOX_CACHE_LIMIT = 500;

const BOX_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.layered.thoroughness': '2',
  'elk.edgeRouting': 'POLYLINE',
  'elk.separateConnectedComponents': 'false',
  'elk.spacing.nodeNode': '18',
  // Room between ranks for an edge label (rps · success rate) to sit clear of the nodes.
  'elk.layered.spacing.nodeNodeBetweenLayers': '150',
  'elk.spacing.componentComponent': '24',
  'elk.aspectRatio': '1.8',
  'elk.padding': `[top=${BOX_HEADER},left=${BOX_PAD},bottom=${BOX_PAD},right=${BOX_PAD}]`,
};

/**
 * Boxes are packed into a rectangle shaped like the canvas rather than ranked by their
 * calls: in a real mesh most namespaces call each other, and a layered order then
 * strings them out into a line too long to read.
 */
const MESH_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'rectpacking',
  'elk.aspectRatio': '1.7',
  'elk.spacing.nodeNode': '40',
};

/** Each workload's busiest incoming edge, or its busiest edge when nothing calls it. */
export function backboneEdges(nodes: readonly TopologyNode[], edges: readonly Edge[]): Edge[] {
  const incoming = new Map<string, Edge>();
  const any = new Map<string, Edge>();
  const keepBusiest = (map: Map<string, Edge>, id: string, e: Edge) => {
    const held = map.get(id);
    if (!held || held.metrics.rps < e.metrics.rps) map.set(id, e);
  };
  for (const e of edges) {
    const d = nodeId(e.destination);
    keepBusiest(incoming, d, e);
    keepBusiest(any, d, e);
    keepBusiest(any, nodeId(e.source), e);
  }
  const chosen = new Set<Edge>(incoming.values());
  const touched = new Set<string>();
  for (const e of chosen) {
    touched.add(nodeId(e.source));
    touched.add(nodeId(e.destination));
  }
  for (const n of nodes) {
    const id = nodeId(n);
    const e = any.get(id);
    if (!touched.has(id) && e) chosen.add(e);
  }
  return [...chosen];
}

async function layoutBox(
  namespace: string,
  nodes: TopologyNode[],
  edges: Edge[],
  withElk: boolean,
): Promise<BoxLayout> {
  const key = `${withElk ? 'elk' : 'rank'}:${namespace}#${shapeKey(nodes, edges)}`;
  const cached = boxCache.get(key);
  if (cached) return cached;
  const result = withElk ? await elkBox(namespace, nodes, edges) : rankBox(nodes, edges);
  if (boxCache.size >= BOX_CACHE_LIMIT) boxCache.clear();
  boxCache.set(key, result);
  return result;
}

function rankBox(nodes: TopologyNode[], edges: Edge[]): BoxLayout {
  return rankLayout({
    ids: nodes.map(nodeId),
    edges: edges.map((e) => [nodeId(e.source), nodeId(e.destination)] as const),
    nodeWidth: NODE_WIDTH,
    nodeHeight: NODE_HEIGHT,
    // Wide enough for an edge's "rps · success" label between two ranks.
    rankGap: 130,
    nodeGap: 18,
    padTop: BOX_HEADER,
    pad: BOX_PAD,
  });
}

async function elkBox(namespace: string, nodes: TopologyNode[], edges: Edge[]): Promise<BoxLayout> {
  const graph: ElkNode = {
    id: `ns:${namespace}`,
    layoutOptions: BOX_OPTIONS,
    children: nodes.map((n) => ({ id: nodeId(n), width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: edges.map((e) => ({
      id: edgeId(e),
      sources: [nodeId(e.source)],
      targets: [nodeId(e.destination)],
    })),
  };
  const out = await (await elk()).layout(graph);
  const positions = new Map<string, { x: number; y: number }>();
  for (const c of out.children ?? []) positions.set(c.id, { x: c.x ?? 0, y: c.y ?? 0 });
  return { width: out.width ?? NODE_WIDTH, height: out.height ?? NODE_HEIGHT, positions };
}

/**
 * Packs boxes in rows, widest first, into a rectangle about `MESH_ASPECT` wide per unit
 * of height: what ELK's rectpacking does for the small graphs, without loading ELK
 * for the large ones.
 */
const MESH_ASPECT = 1.7;
const MESH_GAP = 40;
function shelfPack(mesh: ElkNode): ElkNode {
  const children = [...(mesh.children ?? [])].sort((a, b) => (b.height ?? 0) - (a.height ?? 0));
  const area = children.reduce(
    (sum, c) => sum + ((c.width ?? 0) + MESH_GAP) * ((c.height ?? 0) + MESH_GAP),
    0,
  );
  const widest = Math.max(0, ...children.map((c) => c.width ?? 0));
  const rowWidth = Math.max(widest, Math.sqrt(area * MESH_ASPECT));
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const c of children) {
    const w = c.width ?? 0;
    if (x > 0 && x + w > rowWidth) {
      x = 0;
      y += rowHeight + MESH_GAP;
      rowHeight = 0;
    }
    c.x = x;
    c.y = y;
    x += w + MESH_GAP;
    rowHeight = Math.max(rowHeight, c.height ?? 0);
  }
  return { ...mesh, children };
}

/**
 * Lays out the given nodes (grouped by namespace) and edges, with the fast ranking or
 * with ELK. The explorer draws the ranking at once and, for a slice within the ELK
 * budget, swaps in ELK's layout when the worker returns it.
 */
export async function layoutTopology(
  nodes: TopologyNode[],
  edges: Edge[],
  engine: 'elk' | 'rank',
): Promise<TopologyLayout> {
  const started = performance.now();
  const byNs = new Map<string, { nodes: TopologyNode[]; edges: Edge[] }>();
  // Unknown callers form a group of their own (`OUTSIDE`), placed like a box but drawn
  // without one.
  for (const n of nodes) {
    const g = groupOf(n);
    let group = byNs.get(g);
    if (!group) {
      group = { nodes: [], edges: [] };
      byNs.set(g, group);
    }
    group.nodes.push(n);
  }
  const crossing = new Map<string, ElkExtendedEdge>();
  for (const e of edges) {
    const from = groupOf(e.source);
    const to = groupOf(e.destination);
    if (from === to) {
      byNs.get(from)?.edges.push(e);
    } else if (byNs.has(from) && byNs.has(to)) {
      const id = `${from}->${to}`;
      if (!crossing.has(id)) {
        crossing.set(id, { id, sources: [`ns:${from}`], targets: [`ns:${to}`] });
      }
    }
  }
  const namespaces = [...byNs.keys()].sort();
  const withElk = engine === 'elk';
  const boxLayouts = await Promise.all(
    namespaces.map((ns) => {
      const g = byNs.get(ns) as { nodes: TopologyNode[]; edges: Edge[] };
      return layoutBox(ns, g.nodes, g.edges, withElk);
    }),
  );
  const mesh: ElkNode = {
    id: 'mesh',
    layoutOptions: MESH_OPTIONS,
    children: namespaces.map((ns, i) => ({
      id: `ns:${ns}`,
      width: boxLayouts[i]?.width ?? NODE_WIDTH,
      height: boxLayouts[i]?.height ?? NODE_HEIGHT,
    })),
    edges: [...crossing.values()],
  };
  const placed = withElk ? await (await elk()).layout(mesh) : shelfPack(mesh);
  const boxes = new Map<string, Rect>();
  const positions = new Map<string, { x: number; y: number }>();
  for (const c of placed.children ?? []) {
    const ns = c.id.slice(3);
    boxes.set(ns, { x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 });
  }
  for (const box of boxLayouts) for (const [id, p] of box.positions) positions.set(id, p);
  return { boxes, positions, engine: withElk ? 'elk' : 'rank', elapsedMs: performance.now() - started };
}
