/**
 * A fast layered layout for one namespace box, for graphs too big for ELK's layered
 * algorithm to lay out within a frame budget: cycles broken by depth-first search,
 * ranks by longest path, order within a rank by a few barycenter sweeps, tall ranks
 * wrapped into several columns. Linear in nodes + edges times the sweep count.
 *
 *   rank 0     rank 1     rank 2
 *   [web] ──▶ [cart] ──▶ [stock]
 *         └─▶ [auth]
 */

export interface RankLayoutInput {
  ids: readonly string[];
  edges: readonly (readonly [string, string])[];
  nodeWidth: number;
  nodeHeight: number;
  /** Space between ranks and between nodes of a rank, pixels. */
  rankGap: number;
  nodeGap: number;
  /** Padding inside the box: top (room for the title), and the other three sides. */
  padTop: number;
  pad: number;
}

export interface RankLayoutResult {
  width: number;
  height: number;
  positions: Map<string, { x: number; y: number }>;
}

const SWEEPS = 4;
/** Width per unit of height a box aims for when its ranks wrap into bands. */
const BOX_ASPECT = 1.6;
/** A band holds at least this many ranks before wrapping. */
const MIN_BAND_RANKS = 4;

export function rankLayout(input: RankLayoutInput): RankLayoutResult {
  const { ids, nodeWidth, nodeHeight, rankGap, nodeGap, padTop, pad } = input;
  const index = new Map<string, number>();
  ids.forEach((id, i) => {
    index.set(id, i);
  });
  const n = ids.length;
  const out: number[][] = Array.from({ length: n }, () => []);
  const linked = new Uint8Array(n);
  for (const [a, b] of input.edges) {
    const s = index.get(a);
    const d = index.get(b);
    if (s === undefined || d === undefined || s === d) continue;
    out[s]?.push(d);
    linked[s] = 1;
    linked[d] = 1;
  }

  // Depth-first search from every node: an edge to a node still on the stack is a back
  // edge and is dropped, which leaves a DAG. Iterative, so deep chains cannot overflow.
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const dag: number[][] = Array.from({ length: n }, () => []);
  const order: number[] = [];
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue;
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as [number, number];
      const [v, i] = top;
      const next = out[v]?.[i];
      if (next === undefined) {
        state[v] = 2;
        order.push(v);
        stack.pop();
        continue;
      }
      top[1] = i + 1;
      if (state[next] === 1) continue;
      dag[v]?.push(next);
      if (state[next] === 0) {
        state[next] = 1;
        stack.push([next, 0]);
      }
    }
  }

  // Longest-path ranks, in reverse post-order (a topological order of the DAG).
  const rank = new Int32Array(n);
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k] as number;
    for (const d of dag[v] ?? []) rank[d] = Math.max(rank[d] ?? 0, (rank[v] ?? 0) + 1);
  }
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (let v = 0; v < n; v++) for (const d of dag[v] ?? []) preds[d]?.push(v);

  // Nodes with no edge at all go in a grid below the ranks.
  let maxRank = 0;
  const ranks: number[][] = [];
  const loose: number[] = [];
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k] as number;
    if (!linked[v]) {
      loose.push(v);
      continue;
    }
    const r = rank[v] ?? 0;
    maxRank = Math.max(maxRank, r);
    let list = ranks[r];
    if (!list) {
      list = [];
      ranks[r] = list;
    }
    list.push(v);
  }

  // Barycenter sweeps: order each rank by the mean position of its neighbours in the
  // rank before (downward sweeps) or after (upward sweeps).
  const pos = new Float64Array(n);
  const place = (list: number[]) => {
    list.forEach((v, i) => {
      pos[v] = i;
    });
  };
  for (const list of ranks) if (list) place(list);
  const bary = (v: number, neighbours: readonly number[]) => {
    if (neighbours.length === 0) return pos[v] ?? 0;
    let sum = 0;
    for (const u of neighbours) sum += pos[u] ?? 0;
    return sum / neighbours.length;
  };
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const down = sweep % 2 === 0;
    for (let r = down ? 1 : maxRank - 1; down ? r <= maxRank : r >= 0; r += down ? 1 : -1) {
      const list = ranks[r];
      if (!list) continue;
      const key = new Map<number, number>();
      for (const v of list) key.set(v, bary(v, down ? (preds[v] ?? []) : (dag[v] ?? [])));
      list.sort((a, b) => (key.get(a) ?? 0) - (key.get(b) ?? 0));
      place(list);
    }
  }

  // Coordinates. A rank taller than the box is wide gets wrapped into sub-columns, and
  // a long run of ranks is wrapped into bands stacked top to bottom (as text wraps), so
  // a deep call chain gives a box about `BOX_ASPECT` wide per unit of height rather
  // than a long strip that the whole-mesh view would have to shrink to fit.
  const maxPerColumn = Math.max(4, Math.ceil(Math.sqrt(n * 1.2)));
  const bandWidth = Math.max(
    MIN_BAND_RANKS * (nodeWidth + rankGap) - rankGap,
    Math.sqrt(n * (nodeWidth + rankGap) * (nodeHeight + nodeGap) * BOX_ASPECT) * 1.25,
  );
  const positions = new Map<string, { x: number; y: number }>();
  let x = pad;
  let bandTop = padTop;
  let bandBottom = padTop;
  let height = 0;
  let widest = pad;
  for (const list of ranks) {
    if (!list || list.length === 0) continue;
    const columns = Math.ceil(list.length / maxPerColumn);
    const perColumn = Math.ceil(list.length / columns);
    const rankWidth = columns * (nodeWidth + nodeGap) - nodeGap;
    if (x > pad && x + rankWidth > pad + bandWidth) {
      x = pad;
      bandTop = bandBottom + nodeGap * 3;
    }
    list.forEach((v, i) => {
      const c = Math.floor(i / perColumn);
      const row = i % perColumn;
      const y = bandTop + row * (nodeHeight + nodeGap);
      positions.set(ids[v] as string, { x: x + c * (nodeWidth + nodeGap), y });
      height = Math.max(height, y + nodeHeight);
      bandBottom = Math.max(bandBottom, y + nodeHeight);
    });
    widest = Math.max(widest, x + rankWidth);
    x += rankWidth + rankGap;
  }
  let width = widest;
  if (loose.length > 0) {
    const perRow = Math.max(1, Math.floor((Math.max(width, nodeWidth * 3) - pad) / (nodeWidth + nodeGap)));
    const top = positions.size > 0 ? height + nodeGap * 2 : padTop;
    loose.forEach((v, i) => {
      const pt = {
        x: pad + (i % perRow) * (nodeWidth + nodeGap),
        y: top + Math.floor(i / perRow) * (nodeHeight + nodeGap),
      };
      positions.set(ids[v] as string, pt);
      width = Math.max(width, pt.x + nodeWidth);
      height = Math.max(height, pt.y + nodeHeight);
    });
  }
  return { width: width + pad, height: height + pad, positions };
}
