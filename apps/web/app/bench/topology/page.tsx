// Benchmark-only route: the topology explorer on a generated mesh. Served only when
// WEFT_WEB_BENCH=1 (bench/web sets it); a 404 otherwise.

import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { BenchTopology } from '../../../components/topology/bench-topology.tsx';
import { benchEnabled } from '../../../lib/env.ts';

export default async function BenchTopologyPage({
  searchParams,
}: {
  searchParams: Promise<{ services?: string; edges?: string }>;
}) {
  await connection();
  if (!benchEnabled()) notFound();
  const q = await searchParams;
  const services = Math.min(2000, Math.max(1, Number(q.services ?? 300) || 300));
  const edges = Math.min(10000, Math.max(0, Number(q.edges ?? 1000) || 1000));
  return <BenchTopology services={services} edges={edges} />;
}
