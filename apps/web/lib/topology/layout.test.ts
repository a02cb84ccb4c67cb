import type { Edge, TopologyNode } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { OUTSIDE } from './graph.ts';
import { layoutTopology } from './layout.ts';

const metrics = {
  successRate: 1,
  rps: 2,
  latencyP50Ms: 1,
  latencyP95Ms: 1,
  latencyP99Ms: 1,
  requests: 120,
  failures: 0,
};
const node = (namespace: string, name: string, meshed: boolean): TopologyNode => ({
  namespace,
  name,
  meshed,
  metrics: meshed ? metrics : null,
});
const edge = (s: TopologyNode, d: TopologyNode): Edge => ({
  source: { namespace: s.namespace, name: s.name },
  destination: { namespace: d.namespace, name: d.name },
  metrics,
  secured: false,
  securedShare: 0,
  clientIdentity: null,
  serverIdentity: null,
  sourceUnmeshed: true,
});

describe('layoutTopology', () => {
  it('lays an unknown caller out in an area of its own, not in its callee namespace box', async () => {
    const ratings = node('reviews', 'ratings', true);
    const unknown = node('reviews', 'unknown', false);
    const web = node('demo', 'web', true);
    const layout = await layoutTopology(
      [ratings, unknown, web],
      [edge(unknown, ratings), edge(web, ratings)],
      'rank',
    );
    expect([...layout.boxes.keys()].sort()).toEqual([OUTSIDE, 'demo', 'reviews']);
    const box = (k: string) => layout.boxes.get(k) as { x: number; y: number; width: number; height: number };
    const outside = box(OUTSIDE);
    const reviews = box('reviews');
    const overlaps =
      outside.x < reviews.x + reviews.width &&
      reviews.x < outside.x + outside.width &&
      outside.y < reviews.y + reviews.height &&
      reviews.y < outside.y + outside.height;
    expect(overlaps).toBe(false);
    expect(layout.positions.has('reviews/unknown')).toBe(true);
  });
});
