'use client';
/**
 * The Service page: the routes attached to the Service (per rule its golden metrics,
 * matches, filters, backends with their share and the traffic each receives, timeouts), its retries and timeouts, the
 * faults and rate limits on it, the policy editor, its canary, the policy history, and
 * the authorization of the pods behind it.
 */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useCallback, useEffect, useMemo } from 'react';
import { useLiveRefresh } from '../../lib/live-refresh.tsx';
import { backendTraffic, selectedWorkloads } from '../../lib/policy/backend-traffic.ts';
import { policiesOfService } from '../../lib/policy/service-policies.ts';
import { useTimeWindow, withWindow } from '../../lib/time-window.ts';
import { useTRPC } from '../../lib/trpc/client.ts';
import { useIsAdmin } from '../../lib/use-role.ts';
import { MetricsControls } from '../metrics-controls.tsx';
import { PageHeader } from '../page-header.tsx';
import { QueryState } from '../query-state.tsx';
import { AuthorizationSection } from './authorization-section.tsx';
import { CanaryPanel } from './canary-panel.tsx';
import { LazyPolicyEditor, preloadPolicyEditor } from './lazy-policy-editor.tsx';
import { ResilienceSection } from './resilience-section.tsx';
import { RevisionHistory } from './revision-history.tsx';
import { RoutesSection } from './routes-section.tsx';

export function ServiceView({ namespace, name }: { namespace: string; name: string }) {
  const trpc = useTRPC();
  const [window] = useTimeWindow();
  const { interval } = useLiveRefresh();
  const live = { refetchInterval: interval } as const;
  const services = useQuery({ ...trpc.services.list.queryOptions({ namespace }), ...live });
  const workloads = useQuery({ ...trpc.workloads.list.queryOptions({ namespace }), ...live });
  const policies = useQuery({ ...trpc.policies.list.queryOptions({ namespace }), ...live });
  const graph = useQuery({ ...trpc.topology.graph.queryOptions({ namespace, window }), ...live });
  // Per-route numbers fill in the routes once those are drawn: asked after the policies
  // arrive, so they never hold up the page's first render.
  const routeMetrics = useQuery({
    ...trpc.metrics.routes.queryOptions({ namespace, service: name, window }),
    ...live,
    enabled: policies.data !== undefined,
  });

  const admin = useIsAdmin();
  // The editor's code loads beside the queries, not after them.
  useEffect(preloadPolicyEditor, []);
  const service = services.data?.find((s) => s.name === name);
  const mine = useMemo(
    () => policiesOfService(policies.data?.map((p) => p.document) ?? [], namespace, name),
    [policies.data, namespace, name],
  );
  const statuses = useMemo(
    () =>
      new Map((policies.data ?? []).map((p) => [`${p.document.kind}/${p.document.metadata.name}`, p.status])),
    [policies.data],
  );
  const traffic = useCallback(
    (backend: string, backendNamespace?: string) =>
      services.data && workloads.data && graph.data
        ? backendTraffic(
            services.data,
            workloads.data,
            graph.data.edges,
            backendNamespace ?? namespace,
            backend,
          )
        : undefined,
    [services.data, workloads.data, graph.data, namespace],
  );
  const authzTargets = useMemo(() => {
    if (!service || !services.data || !workloads.data) return [];
    const ports = [...new Set(service.ports.map((p) => p.targetPort))];
    return selectedWorkloads(services.data, workloads.data, namespace, name).flatMap((w) =>
      ports.map((port) => ({ workload: w.name, port })),
    );
  }, [service, services.data, workloads.data, namespace, name]);

  return (
    <>
      <PageHeader
        title={name}
        crumbs={
          <>
            <Link href={withWindow('/', window)}>Overview</Link> /{' '}
            <Link href={withWindow(`/namespaces/${namespace}`, window)}>{namespace}</Link> / service
          </>
        }
      >
        <MetricsControls />
      </PageHeader>
      <QueryState query={services} what={`service ${namespace}/${name}`}>
        {services.data && !service ? (
          <p className="state-error" role="alert">
            There is no Service {namespace}/{name}.
          </p>
        ) : (
          service && (
            <>
              <p className="muted small">
                {service.clusterIP} · ports {service.ports.map((p) => `${p.port}→${p.targetPort}`).join(', ')}{' '}
                · workloads{' '}
                {authzTargets.length === 0
                  ? 'none'
                  : [...new Set(authzTargets.map((t) => t.workload))].map((w, i) => (
                      <span key={w}>
                        {i > 0 && ', '}
                        <Link href={withWindow(`/workloads/${namespace}/${w}`, window)}>{w}</Link>
                      </span>
                    ))}
              </p>
              <section className="card" aria-label="Routes">
                <div className="card-title-row">
                  <h2>Routes</h2>
                  <span className="muted small">traffic over the last {window}</span>
                </div>
                <QueryState query={policies} what="policies">
                  <RoutesSection
                    routes={mine.routes}
                    statuses={statuses}
                    faults={mine.faults}
                    rateLimits={mine.rateLimits}
                    traffic={traffic}
                    routeTraffic={{ rows: routeMetrics.data?.routes, window }}
                    service={{ namespace, name }}
                  />
                </QueryState>
              </section>
              <section className="card" aria-label="Retries and timeouts">
                <div className="card-title-row">
                  <h2>Retries and timeouts</h2>
                </div>
                <QueryState query={policies} what="policies">
                  <ResilienceSection overlay={mine.overlay} />
                </QueryState>
              </section>
              <section className="card" aria-label="Edit policy">
                <div className="card-title-row">
                  <h2>Edit policy</h2>
                  <span className="muted small">
                    form and YAML are one document; the controller checks it as you type
                  </span>
                </div>
                {policies.data && <LazyPolicyEditor service={service} policies={mine} readOnly={!admin} />}
              </section>
              <section className="card" aria-label="Canary">
                <div className="card-title-row">
                  <h2>Canary</h2>
                  <span className="muted small">
                    run by the controller: closing this page does not stop it
                  </span>
                </div>
                <CanaryPanel
                  service={service}
                  backends={(services.data ?? []).map((s) => s.name)}
                  route={mine.routes.find((r) => r.kind === 'HTTPRoute')?.metadata.name}
                  suggested={
                    mine.routes
                      .find((r) => r.kind === 'HTTPRoute')
                      ?.spec.rules?.[0]?.backendRefs?.find((b) => b.name !== name)?.name
                  }
                  admin={admin}
                />
              </section>
              <section className="card" aria-label="Policy history">
                <div className="card-title-row">
                  <h2>Policy history</h2>
                  <span className="muted small">every revision of the mesh's policy</span>
                </div>
                <RevisionHistory admin={admin} />
              </section>
              <section className="card below-fold" aria-label="Authorization">
                <div className="card-title-row">
                  <h2>Authorization</h2>
                  <span className="muted small">callers over the last {window}</span>
                </div>
                <AuthorizationSection namespace={namespace} targets={authzTargets} window={window} />
              </section>
            </>
          )
        )}
      </QueryState>
    </>
  );
}
