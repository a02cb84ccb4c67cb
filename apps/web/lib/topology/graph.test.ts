import type { Edge, Topology } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import {
  completeNodes,
  groupOf,
  neighbourhood,
  OUTSIDE,
  searchNodes,
  shapeKey,
  sliceTopology,
} from './graph.ts';

const m = {
  successRate: 1,
  rps: 1,
  latencyP50Ms: 1,
  latencyP95Ms: 1,
  latencyP99Ms: 1,
  requests: 60,
  failures: 0,
};
const edge = (s: string, d: string): Edge => {
  const [sn = '', sw = ''] = s.split('/');
  const [dn = '', dw = ''] = d.split('/');
  return {
    source: { namespace: sn, name: sw },
    destination: { namespace: dn, name: dw },
    metrics: m,
    secured: false,
    securedShare: 0,
    clientIdentity: null,
    serverIdentity: null,
    sourceUnmeshed: false,
  };
};
const node = (id: string) => {
  const [namespace = '', name = ''] = id.split('/');
  return { namespace, name, meshed: true, metrics: m };
};

// a/web → a/api → b/db → b/disk, and c/batch → b/db; c/idle has no edge.
const topology: Topology = {
  window: '1m',
  nodes: ['a/web', 'a/api', 'b/db', 'b/disk', 'c/batch', 'c/idle'].map(node),
  edges: [edge('a/web', 'a/api'), edge('a/api', 'b/db'), edge('b/db', 'b/disk'), edge('c/batch', 'b/db')],
};
const ids = (t: { nodes: { namespace: string; name: string }[] }) =>
  t.nodes.map((n) => `${n.namespace}/${n.name}`).sort();

describe('topology slicing', () => {
  it('adds workloads seen only at an edge end, unmeshed', () => {
    const t: Topology = { window: '1m', nodes: [node('a/web')], edges: [edge('x/caller', 'a/web')] };
    const caller = completeNodes(t).find((n) => n.name === 'caller');
    expect(caller).toMatchObject({ namespace: 'x', meshed: false, metrics: null });
  });

  it('keeps a namespace with its direct peers in other namespaces', () => {
    const s = sliceTopology(topology, { namespace: 'a', focus: null, hops: 1 });
    expect(ids(s)).toEqual(['a/api', 'a/web', 'b/db']);
    expect(s.edges).toHaveLength(2);
  });

  it('focuses on a workload and its neighbours within N hops, both directions', () => {
    expect(ids(sliceTopology(topology, { namespace: null, focus: 'b/db', hops: 1 }))).toEqual([
      'a/api',
      'b/db',
      'b/disk',
      'c/batch',
    ]);
    expect(ids(sliceTopology(topology, { namespace: null, focus: 'a/web', hops: 2 }))).toEqual([
      'a/api',
      'a/web',
      'b/db',
    ]);
    expect([...neighbourhood('c/idle', topology.edges, 3)]).toEqual(['c/idle']);
  });

  it('searches by name or namespace/name, case-insensitively', () => {
    expect(searchNodes(topology.nodes, 'DB')).toEqual(['b/db']);
    expect(searchNodes(topology.nodes, 'c/')).toEqual(['c/batch', 'c/idle']);
    expect(searchNodes(topology.nodes, '  ')).toEqual([]);
  });

  it('keys layouts by shape, not by metrics', () => {
    const busier = { ...topology, edges: topology.edges.map((e) => ({ ...e, metrics: { ...m, rps: 99 } })) };
    expect(shapeKey(busier.nodes, busier.edges)).toBe(shapeKey(topology.nodes, topology.edges));
    expect(shapeKey(topology.nodes, topology.edges.slice(1))).not.toBe(
      shapeKey(topology.nodes, topology.edges),
    );
  });
});

describe('groupOf', () => {
  it('puts a caller nobody could name outside every namespace, and workloads in theirs', () => {
    expect(groupOf({ namespace: 'reviews', name: 'unknown', meshed: false })).toBe(OUTSIDE);
    expect(groupOf({ namespace: 'reviews', name: 'unknown' })).toBe(OUTSIDE);
    expect(groupOf({ namespace: 'reviews', name: 'ratings', meshed: true })).toBe('reviews');
  });
});
