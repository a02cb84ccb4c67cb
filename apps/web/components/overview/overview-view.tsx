'use client';
/** The overview page: control-plane health, then every namespace with its mesh coverage and metrics. */
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useLiveRefresh } from '../../lib/live-refresh.tsx';
import { useTimeWindow, withWindow } from '../../lib/time-window.ts';
import { useTRPC } from '../../lib/trpc/client.ts';
import { describeError } from '../../lib/trpc/errors.ts';
import { EmptyMesh } from '../empty-mesh.tsx';
import { MetricsControls } from '../metrics-controls.tsx';
import { PageHeader } from '../page-header.tsx';
import { QueryState } from '../query-state.tsx';
import { ControlPlaneCard } from './control-plane-card.tsx';
import { type NamespaceRow, NamespacesTable } from './namespaces-table.tsx';

export function OverviewView() {
  const trpc = useTRPC();
  const [window] = useTimeWindow();
  const { interval } = useLiveRefresh();
  const health = useQuery({ ...trpc.health.get.queryOptions(), refetchInterval: interval });
  const namespaces = useQuery({ ...trpc.namespaces.list.queryOptions(), refetchInterval: interval });
  const workloads = useQuery({ ...trpc.workloads.list.queryOptions({}), refetchInterval: interval });
  const metrics = useQuery({
    ...trpc.metrics.namespaces.queryOptions({ window }),
    refetchInterval: interval,
  });

  const rows = useMemo<NamespaceRow[]>(() => {
    const meshedPods = new Map<string, number>();
    for (const w of workloads.data ?? []) {
      meshedPods.set(w.namespace, (meshedPods.get(w.namespace) ?? 0) + w.meshedReplicas);
    }
    const byNs = new Map((metrics.data ?? []).map((m) => [m.namespace, m.metrics]));
    return (namespaces.data ?? []).map((summary) => ({
      summary,
      meshedPods: meshedPods.get(summary.name) ?? 0,
      metrics: byNs.get(summary.name) ?? null,
    }));
  }, [namespaces.data, workloads.data, metrics.data]);

  const firstNs = namespaces.data?.[0]?.name ?? null;
  return (
    <>
      <PageHeader title="Overview">
        <MetricsControls />
      </PageHeader>
      <QueryState query={health} what="control-plane health">
        {health.data && <ControlPlaneCard health={health.data} />}
        {health.data && health.data.workloads > 0 && health.data.meshedWorkloads === 0 && (
          <EmptyMesh namespaceHref={firstNs ? withWindow(`/namespaces/${firstNs}`, window) : null} />
        )}
      </QueryState>
      <section className="card" aria-label="Namespaces overview">
        <div className="card-title-row">
          <h2>Namespaces</h2>
          {metrics.isError && (
            <span className="muted small">Metrics unavailable: {describeError(metrics.error)}</span>
          )}
        </div>
        <QueryState query={namespaces} what="namespaces">
          {rows.length === 0 ? (
            <p className="state-empty">
              No namespace holds a workload yet. Apply a Deployment to see it here.
            </p>
          ) : (
            <NamespacesTable rows={rows} window={window} />
          )}
        </QueryState>
      </section>
    </>
  );
}
