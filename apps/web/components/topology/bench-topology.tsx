'use client';
/**
 * The topology explorer fed a generated mesh, for bench/web: records when each shape is
 * fully drawn in `window.__weftBench` (milliseconds since navigation start) so the
 * harness can time the first render and the re-render after a filter change.
 */
import { useCallback, useMemo } from 'react';
import { generateTopology } from '../../lib/topology/fixture.ts';
import { type RenderedInfo, TopologyExplorer } from './topology-explorer.tsx';

export interface BenchRender extends RenderedInfo {
  at: number;
  domNodes: number;
}

declare global {
  interface Window {
    __weftBench?: { renders: BenchRender[] };
  }
}

export function BenchTopology({ services, edges }: { services: number; edges: number }) {
  const topology = useMemo(() => generateTopology(services, edges), [services, edges]);
  const href = useCallback((ns: string, name: string) => `/workloads/${ns}/${name}`, []);
  const onRendered = useCallback((info: RenderedInfo) => {
    const bench = window.__weftBench ?? { renders: [] };
    window.__weftBench = bench;
    bench.renders.push({
      ...info,
      at: performance.now(),
      domNodes: document.querySelectorAll('.react-flow__node-workload').length,
    });
  }, []);
  return (
    <>
      <h1 className="sr-only">Topology benchmark</h1>
      <TopologyExplorer topology={topology} workloadHref={href} onRendered={onRendered} />
    </>
  );
}
