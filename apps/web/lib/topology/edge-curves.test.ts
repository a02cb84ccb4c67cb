import type { Edge, GoldenMetrics } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { arrowPath, edgeCurves, groupCurves, REGION, strokeWidth, WORKLOAD_HANDLES } from './edge-curves.ts';
import { NODE_HEIGHT, NODE_WIDTH, type TopologyLayout } from './layout.ts';

const metrics = (rps: number, successRate: number): GoldenMetrics => ({
  successRate,
  rps,
  latencyP50Ms: 1,
  latencyP95Ms: 2,
  latencyP99Ms: 3,
  requests: Math.round(rps * 60),
  failures: Math.round(rps * 60 * (1 - successRate)),
});
const edge = (from: string, to: string, m: GoldenMetrics): Edge => {
  const [sn = '', s = ''] = from.split('/');
  const [dn = '', d = ''] = to.split('/');
  return {
    source: { namespace: sn, name: s },
    destination: { namespace: dn, name: d },
    metrics: m,
    secured: true,
    securedShare: 1,
    clientIdentity: null,
    serverIdentity: null,
    sourceUnmeshed: false,
  };
};

// Two boxes: shop at (0, 0) holding web and cart, pay at (1000, 400) holding ledger.
const layout: TopologyLayout = {
  boxes: new Map([
    ['shop', { x: 0, y: 0, width: 600, height: 200 }],
    ['pay', { x: 1000, y: 400, width: 300, height: 200 }],
  ]),
  positions: new Map([
    ['shop/web', { x: 16, y: 34 }],
    ['shop/cart', { x: 350, y: 34 }],
    ['pay/ledger', { x: 16, y: 34 }],
  ]),
  engine: 'rank',
  elapsedMs: 0,
};

describe('edgeCurves', () => {
  it('runs from the caller’s right side to the callee’s left side, in absolute coordinates', () => {
    const [inside, across] = edgeCurves(
      [edge('shop/web', 'shop/cart', metrics(10, 1)), edge('shop/cart', 'pay/ledger', metrics(10, 1))],
      layout,
    );
    expect(inside?.d.startsWith(`M${16 + NODE_WIDTH + 2},${34 + NODE_HEIGHT / 2}`)).toBe(true);
    expect(inside?.tip).toEqual({ x: 350 - 2, y: 34 + NODE_HEIGHT / 2 });
    // The callee sits in a box placed elsewhere: its box's offset is added.
    expect(across?.tip).toEqual({ x: 1000 + 16 - 2, y: 400 + 34 + NODE_HEIGHT / 2 });
    expect(across?.d.endsWith(`${1000 + 16 - 2},${400 + 34 + NODE_HEIGHT / 2}`)).toBe(true);
  });

  it('ends where React Flow puts the ends of a call between the workloads’ given anchors', () => {
    // React Flow anchors a call at the middle of the caller's anchor's right side and of
    // the callee's anchor's left side.
    const source = WORKLOAD_HANDLES.find((h) => h.type === 'source');
    const target = WORKLOAD_HANDLES.find((h) => h.type === 'target');
    if (!source || !target) throw new Error('a workload has no anchor of each kind');
    expect(source.position).toBe('right');
    expect(target.position).toBe('left');
    const [curve] = edgeCurves([edge('shop/web', 'shop/cart', metrics(10, 1))], layout);
    expect(curve?.start).toEqual({
      x: 16 + source.x + (source.width ?? 1),
      y: 34 + source.y + (source.height ?? 1) / 2,
    });
    expect(curve?.tip).toEqual({ x: 350 + target.x, y: 34 + target.y + (target.height ?? 1) / 2 });
  });

  it('puts the label halfway along the curve and keeps the call it draws', () => {
    const call = edge('shop/cart', 'pay/ledger', metrics(10, 1));
    const [curve] = edgeCurves([call], layout);
    if (!curve) throw new Error('no curve');
    // The curve leaves and reaches its ends horizontally, alike: its middle is halfway between them.
    expect(curve.label.x).toBeCloseTo((curve.start.x + curve.tip.x) / 2);
    expect(curve.label.y).toBeCloseTo((curve.start.y + curve.tip.y) / 2);
    expect(curve.call).toBe(call);
  });

  it('draws an arrowhead pointing at the tip, longer and wider with the stroke', () => {
    expect(arrowPath({ x: 100, y: 50 }, 2)).toBe('M100,50L92,43.6L92,56.4Z');
  });

  it('leaves out an edge with an end that is not laid out, and tells health and width', () => {
    const curves = edgeCurves(
      [edge('shop/web', 'shop/gone', metrics(1, 1)), edge('shop/web', 'shop/cart', metrics(999, 0.5))],
      layout,
    );
    expect(curves.map((c) => c.id)).toEqual(['shop/web->shop/cart']);
    expect(curves[0]?.health).toBe('failing');
    expect(curves[0]?.width).toBeCloseTo(strokeWidth(999));
    expect(strokeWidth(999)).toBeCloseTo(4.2);
  });
});

describe('groupCurves', () => {
  it('groups by health and rounded width, and skips what it is told to', () => {
    const curves = edgeCurves(
      [
        edge('shop/web', 'shop/cart', metrics(10, 1)),
        edge('shop/cart', 'pay/ledger', metrics(10.2, 1)),
        edge('shop/web', 'pay/ledger', metrics(10, 0.5)),
      ],
      layout,
    );
    const groups = groupCurves(curves);
    expect(groups.map((g) => [g.health, g.curves.length])).toEqual([
      ['healthy', 2],
      ['failing', 1],
    ]);
    const without = groupCurves(curves, (c) => c.source === 'shop/web');
    expect(without.map((g) => g.curves.map((c) => c.id))).toEqual([['shop/cart->pay/ledger']]);
  });

  it("bundles a group's curves by the pair of regions they join", () => {
    const curves = edgeCurves(
      [
        edge('shop/web', 'shop/cart', metrics(10, 1)),
        // Both ends within the first REGION square, as the call above.
        edge('shop/cart', 'shop/web', metrics(10, 1)),
        // Ends in the region of pay's box.
        edge('shop/cart', 'pay/ledger', metrics(10, 1)),
      ],
      layout,
    );
    expect(REGION).toBeLessThan(1000);
    const [group, ...rest] = groupCurves(curves);
    expect(rest).toEqual([]);
    expect(group?.bundles.map((b) => b.map((c) => c.id))).toEqual([
      ['shop/web->shop/cart', 'shop/cart->shop/web'],
      ['shop/cart->pay/ledger'],
    ]);
  });
});
