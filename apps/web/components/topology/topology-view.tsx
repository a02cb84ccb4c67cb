'use client';
/** The topology page: the whole mesh from `topology.graph`, refreshed live, in the explorer; running canaries marked. */
import { useQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useLiveRefresh } from '../../lib/live-refresh.tsx';
import { useTimeWindow, withWindow } from '../../lib/time-window.ts';
import { useTRPC } from '../../lib/trpc/client.ts';

import { MetricsControls } from '../metrics-controls.tsx';
import { PageHeader } from '../page-header.tsx';
import { QueryState } from '../query-state.tsx';
import { CanaryMarksProvider } from './canary-marks.tsx';
import { TopologyExplorer } from './topology-explorer.tsx';

export function TopologyView() {
  const trpc = useTRPC();
  const [window] = useTimeWindow();
  const { interval } = useLiveRefresh();
  const graph = useQuery({ ...trpc.topology.graph.queryOptions({ window }), refetchInterval: interval });
  const href = useCallback(
    (ns: string, name: string) => withWindow(`/workloads/${ns}/${name}`, window),
    [window],
  );
  const empty = graph.data && graph.data.nodes.length === 0 && graph.data.edges.length === 0;
  return (
    <>
      <PageHeader title="Topology">
        <MetricsControls />
      </PageHeader>
      <QueryState query={graph} what="the topology">
        {empty ? (
          <section className="empty-callout" aria-label="Empty topology">
            <h2>No traffic seen yet</h2>
            <p>
              The topology is drawn from what meshed proxies see. Open a namespace and click{' '}
              <strong>Mesh</strong> on a workload that receives or sends traffic; its edges appear here within
              seconds.
            </p>
          </section>
        ) : (
          graph.data && (
            <CanaryMarksProvider>
              <TopologyExplorer topology={graph.data} workloadHref={href} />
            </CanaryMarksProvider>
          )
        )}
      </QueryState>
    </>
  );
}
