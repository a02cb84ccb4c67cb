import { describe, expect, it } from 'vitest';
import { generateTopology } from './fixture.ts';
import { nodeId } from './graph.ts';
import { rankLayout } from './rank-layout.ts';

const SIZE = { nodeWidth: 100, nodeHeight: 40, rankGap: 50, nodeGap: 10, padTop: 30, pad: 10 };

function overlaps(positions: Map<string, { x: number; y: number }>): string[] {
  const list = [...positions];
  const bad: string[] = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const [a, p] = list[i] as [string, { x: number; y: number }];
      const [b, q] = list[j] as [string, { x: number; y: number }];
      if (Math.abs(p.x - q.x) < SIZE.nodeWidth && Math.abs(p.y - q.y) < SIZE.nodeHeight)
        bad.push(`${a}/${b}`);
    }
  }
  return bad;
}

describe('rank layout', () => {
  it('places callers left of callees, breaking cycles', () => {
    const r = rankLayout({
      ids: ['web', 'api', 'db', 'loner'],
      edges: [
        ['web', 'api'],
        ['api', 'db'],
        ['db', 'api'],
      ],
      ...SIZE,
    });
    const x = (id: string) => r.positions.get(id)?.x ?? Number.NaN;
    expect(x('web')).toBeLessThan(x('api'));
    expect(x('api')).toBeLessThan(x('db'));
    expect(r.positions.has('loner')).toBe(true);
    expect(overlaps(r.positions)).toEqual([]);
  });

  it('wraps a long chain into bands, each read left to right', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `n${i}`);
    const edges = ids.slice(1).map((id, i) => [`n${i}`, id] as const);
    const r = rankLayout({ ids, edges, ...SIZE });
    const p = (i: number) => r.positions.get(`n${i}`) ?? { x: Number.NaN, y: Number.NaN };
    expect(p(1).x).toBeGreaterThan(p(0).x);
    expect(p(2).x).toBeGreaterThan(p(1).x);
    expect(p(39).y).toBeGreaterThan(p(0).y);
    expect(r.width / r.height).toBeLessThan(4);
    expect(overlaps(r.positions)).toEqual([]);
  });

  it('lays out a dense namespace of the benchmark mesh inside its box without overlaps', () => {
    const t = generateTopology(300, 1000);
    const ns = t.nodes.filter((n) => n.namespace === 'shop');
    const inside = t.edges.filter((e) => e.source.namespace === 'shop' && e.destination.namespace === 'shop');
    const r = rankLayout({
      ids: ns.map(nodeId),
      edges: inside.map((e) => [nodeId(e.source), nodeId(e.destination)] as const),
      ...SIZE,
    });
    expect(r.positions.size).toBe(ns.length);
    expect(overlaps(r.positions)).toEqual([]);
    for (const p of r.positions.values()) {
      expect(p.x + SIZE.nodeWidth).toBeLessThanOrEqual(r.width);
      expect(p.y + SIZE.nodeHeight).toBeLessThanOrEqual(r.height);
      expect(p.y).toBeGreaterThanOrEqual(SIZE.padTop);
    }
  });
});
