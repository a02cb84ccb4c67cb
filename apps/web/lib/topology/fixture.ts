/**
 * A generated mesh for the topology benchmark: `services` workloads spread over
 * namespaces, `edges` calls mostly from one tier to the next (as real meshes look) with
 * some across namespaces, and metrics with a few degraded and failing workloads.
 * Deterministic for a given seed, so every run measures the same graph.
 */
import type { Edge, GoldenMetrics, Topology, TopologyNode } from '@weft/shared';

/** A small fast PRNG (mulberry32): the same seed gives the same sequence. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMESPACES = [
  'edge',
  'shop',
  'catalog',
  'checkout',
  'payments',
  'identity',
  'search',
  'media',
  'ads',
  'data',
];
const ROLES = ['api', 'web', 'svc', 'worker', 'cache', 'db', 'gateway', 'index', 'auth', 'queue'];

function metrics(rnd: () => number): GoldenMetrics {
  const roll = rnd();
  const failureRate = roll < 0.06 ? 0.1 + rnd() * 0.3 : roll < 0.18 ? 0.002 + rnd() * 0.03 : 0;
  const rps = Math.round((0.5 + rnd() * 80) * 100) / 100;
  const requests = Math.round(rps * 60);
  const failures = Math.round(requests * failureRate);
  const p50 = 2 + rnd() * 30;
  return {
    successRate: requests > 0 ? (requests - failures) / requests : null,
    rps,
    latencyP50Ms: p50,
    latencyP95Ms: p50 * (2 + rnd() * 2),
    latencyP99Ms: p50 * (4 + rnd() * 4),
    requests,
    failures,
  };
}

/** A topology of `services` workloads and `edges` distinct directed calls. */
export function generateTopology(services: number, edges: number, seed = 42): Topology {
  const rnd = random(seed);
  const nodes: TopologyNode[] = [];
  const tiers = 5;
  const tierOf: number[] = [];
  for (let i = 0; i < services; i++) {
    const namespace = NAMESPACES[i % NAMESPACES.length] ?? 'default';
    const role = ROLES[Math.floor(i / NAMESPACES.length) % ROLES.length] ?? 'svc';
    nodes.push({
      namespace,
      name: `${role}-${i}`,
      meshed: rnd() > 0.05,
      metrics: metrics(rnd),
    });
    tierOf.push(Math.floor(rnd() * tiers));
  }
  const out: Edge[] = [];
  const seen = new Set<string>();
  const maxEdges = Math.min(edges, (services * (services - 1)) / 2);
  let guard = 0;
  while (out.length < maxEdges && guard++ < maxEdges * 50) {
    const s = Math.floor(rnd() * services);
    // Mostly calls within the namespace, one in four across.
    const sameNs = rnd() < 0.75;
    let d = Math.floor(rnd() * services);
    if (sameNs)
      d = (s % NAMESPACES.length) + NAMESPACES.length * Math.floor((rnd() * services) / NAMESPACES.length);
    if (d >= services || d === s) continue;
    if ((tierOf[d] ?? 0) <= (tierOf[s] ?? 0) && rnd() < 0.85) continue;
    const key = `${s}->${d}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const src = nodes[s] as TopologyNode;
    const dst = nodes[d] as TopologyNode;
    const secured = src.meshed && dst.meshed;
    out.push({
      source: { namespace: src.namespace, name: src.name },
      destination: { namespace: dst.namespace, name: dst.name },
      metrics: metrics(rnd),
      secured,
      securedShare: secured ? 1 : 0,
      clientIdentity: secured ? `default.${src.namespace}.serviceaccount.identity.weft.cluster.local` : null,
      serverIdentity: secured ? `default.${dst.namespace}.serviceaccount.identity.weft.cluster.local` : null,
      sourceUnmeshed: !src.meshed,
    });
  }
  return { window: '1m', nodes, edges: out };
}
