'use client';
/**
 * The workload page: its mesh state and action, golden metrics and their charts over the
 * window, the octopus view and edges table (with mTLS), and its pods (and the stopped ones
 * still kept) with their output.
 */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useDeferredValue } from 'react';
import { HEALTH_LABEL, healthOf } from '../../lib/health.ts';
import { useLiveRefresh } from '../../lib/live-refresh.tsx';
import { useTimeWindow, withWindow } from '../../lib/time-window.ts';
import { useTRPC } from '../../lib/trpc/client.ts';
import { GoldenMetricsList } from '../golden-metrics-list.tsx';
import { LiveAnnouncer } from '../live-announcer.tsx';
import { MeshStatePill } from '../mesh-state-pill.tsx';
import { MetricsControls } from '../metrics-controls.tsx';
import { MeshAction } from '../namespace/mesh-action.tsx';
import { PageHeader } from '../page-header.tsx';
import { QueryState } from '../query-state.tsx';
import { ServiceLinks } from '../service/service-links.tsx';
import { EdgesTable } from './edges-table.tsx';
import { LazyGoldenCharts } from './lazy-golden-charts.tsx';
import { OctopusView } from './octopus-view.tsx';
import { PodsTable } from './pods-table.tsx';
import { StoppedPods } from './stopped-pods.tsx';

export function WorkloadView({ namespace, name }: { namespace: string; name: string }) {
  const trpc = useTRPC();
  const [window] = useTimeWindow();
  const { interval } = useLiveRefresh();
  const live = { refetchInterval: interval } as const;
  const scope = { kind: 'workload', namespace, name } as const;
  const detail = useQuery({ ...trpc.workloads.get.queryOptions({ namespace, name }), ...live });
  const golden = useQuery({ ...trpc.metrics.golden.queryOptions({ scope, window }), ...live });
  const series = useQuery({ ...trpc.metrics.series.queryOptions({ scope, window }), ...live });
  const edges = useQuery({ ...trpc.topology.edges.queryOptions({ namespace, name, window }), ...live });
  const workload = detail.data?.workload;
  // What the charts, the traffic and the pods show is rendered at transition priority:
  // React renders it in slices, so a refresh never blocks input for long.
  const points = useDeferredValue(series.data);
  const edgeList = useDeferredValue(edges.data);
  const pods = useDeferredValue(detail.data?.pods);
  // Announced when the health band or mesh state changes, not on every refresh.
  const announcement = workload
    ? `${name}: ${workload.meshState}${golden.data ? `, ${HEALTH_LABEL[healthOf(golden.data)].toLowerCase()}` : ''}`
    : '';

  return (
    <>
      <PageHeader
        title={
          <>
            {name} {workload && <MeshStatePill state={workload.meshState} />}
          </>
        }
        crumbs={
          <>
            <Link href={withWindow('/', window)}>Overview</Link> /{' '}
            <Link href={withWindow(`/namespaces/${namespace}`, window)}>{namespace}</Link> / workload
          </>
        }
      >
        {workload?.meshed && (
          <Link
            className="button"
            aria-label={`Tap ${name}`}
            href={`/tap?namespace=${encodeURIComponent(namespace)}&workload=${encodeURIComponent(name)}`}
          >
            Tap
          </Link>
        )}
        {workload && <MeshAction workload={workload} />}
        <MetricsControls />
      </PageHeader>
      <LiveAnnouncer message={announcement} />
      <ServiceLinks namespace={namespace} workload={name} />
      <QueryState query={detail} what={`workload ${namespace}/${name}`}>
        {workload && !workload.meshed && (
          <p className="hint">
            This workload is not meshed: it has no proxy, so no golden metrics. Click <strong>Mesh</strong> to
            add one.
          </p>
        )}
        <section className="card" aria-label="Golden metrics">
          <div className="card-title-row">
            <h2>Golden metrics</h2>
            <span className="muted small">last {window}</span>
          </div>
          <QueryState query={golden} what="golden metrics">
            {golden.data && <GoldenMetricsList metrics={golden.data} />}
          </QueryState>
          <QueryState query={series} what="metric series">
            {series.data && series.data.length > 0 ? (
              <LazyGoldenCharts points={points ?? series.data} />
            ) : (
              <p className="state-empty">No traffic recorded in this window.</p>
            )}
          </QueryState>
        </section>
        <section className="card below-fold" aria-label="Traffic">
          <div className="card-title-row">
            <h2>Traffic</h2>
          </div>
          <QueryState query={edges} what="edges">
            {edgeList && (
              <>
                <OctopusView
                  namespace={namespace}
                  name={name}
                  metrics={golden.data ?? null}
                  edges={edgeList}
                  window={window}
                />
                {edgeList.length > 0 ? (
                  <EdgesTable edges={edgeList} namespace={namespace} name={name} />
                ) : (
                  <p className="state-empty">No edge seen in this window.</p>
                )}
              </>
            )}
          </QueryState>
        </section>
        <section className="card below-fold" aria-label="Pods">
          <div className="card-title-row">
            <h2>Pods</h2>
            {pods && (
              <span className="muted small">
                {pods.filter((p) => p.ready).length}/{pods.length} ready
              </span>
            )}
          </div>
          {pods === undefined ? null : pods.length > 0 ? (
            <PodsTable pods={pods} />
          ) : (
            <p className="state-empty">No pod runs for this workload.</p>
          )}
          <StoppedPods namespace={namespace} workload={name} />
        </section>
      </QueryState>
    </>
  );
}
