'use client';
/** The namespace page: its workloads, each with golden metrics and a Mesh / Unmesh button, and its Services. */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useMemo } from 'react';
import { useLiveRefresh } from '../../lib/live-refresh.tsx';
import { useTimeWindow, withWindow } from '../../lib/time-window.ts';
import { useTRPC } from '../../lib/trpc/client.ts';
import { describeError } from '../../lib/trpc/errors.ts';
import { MetricsControls } from '../metrics-controls.tsx';
import { PageHeader } from '../page-header.tsx';
import { QueryState } from '../query-state.tsx';
import { ServicesTable } from './services-table.tsx';
import { WorkloadsTable } from './workloads-table.tsx';

export function NamespaceView({ namespace }: { namespace: string }) {
  const trpc = useTRPC();
  const [window] = useTimeWindow();
  const { interval } = useLiveRefresh();
  const workloads = useQuery({
    ...trpc.workloads.list.queryOptions({ namespace }),
    refetchInterval: interval,
  });
  const metrics = useQuery({
    ...trpc.metrics.workloads.queryOptions({ namespace, window }),
    refetchInterval: interval,
  });
  const services = useQuery({
    ...trpc.services.list.queryOptions({ namespace }),
    refetchInterval: interval,
  });
  const byName = useMemo(() => new Map((metrics.data ?? []).map((m) => [m.name, m.metrics])), [metrics.data]);
  const meshed = workloads.data?.filter((w) => w.meshed).length ?? 0;

  return (
    <>
      <PageHeader
        title={namespace}
        crumbs={
          <>
            <Link href={withWindow('/', window)}>Overview</Link> / namespace
          </>
        }
      >
        <MetricsControls />
      </PageHeader>
      <section className="card" aria-label="Workloads in namespace">
        <div className="card-title-row">
          <h2>Workloads</h2>
          {workloads.data && (
            <span className="muted small">
              {meshed} of {workloads.data.length} meshed
            </span>
          )}
        </div>
        {workloads.data && workloads.data.length > 0 && meshed === 0 && (
          <p className="hint">
            Nothing here is meshed yet. Click <strong>Mesh</strong> on a workload to restart its pods with a
            proxy.
          </p>
        )}
        <QueryState query={workloads} what="workloads">
          {workloads.data?.length === 0 ? (
            <p className="state-empty">No workload runs in {namespace}.</p>
          ) : (
            <WorkloadsTable workloads={workloads.data ?? []} metrics={byName} window={window} />
          )}
        </QueryState>
        {metrics.isError && (
          <p className="muted small">Metrics are unavailable: {describeError(metrics.error)}</p>
        )}
      </section>
      <section className="card" aria-label="Services in namespace">
        <div className="card-title-row">
          <h2>Services</h2>
          <span className="muted small">routes, retries, authorization and the policy editor</span>
        </div>
        <QueryState query={services} what="services">
          {services.data?.length === 0 ? (
            <p className="state-empty">No Service in {namespace}.</p>
          ) : (
            <ServicesTable services={services.data ?? []} window={window} />
          )}
        </QueryState>
      </section>
    </>
  );
}
