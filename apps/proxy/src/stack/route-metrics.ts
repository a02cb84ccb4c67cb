/**
 * Per-route metrics handles (`outbound_{http,grpc}_route_*`), resolved once when a plan
 * is compiled and found again per request by the route object the plan matched.
 */
import type { RouteMetrics } from '../metrics/handles.ts';
import type { ProxyMetrics } from '../metrics/registry.ts';
import type { OutboundPlan } from '../policy/plan.ts';
import type { RouteView } from './plan-view.ts';

const handles = new WeakMap<RouteView, RouteMetrics>();

/** Resolves the handles of every route of `plan` (a plan for a Service; others have none). */
export function bindRouteMetrics(plan: OutboundPlan, metrics: ProxyMetrics): OutboundPlan {
  const parent = plan.service;
  if (parent === null) return plan;
  for (const route of plan.routes)
    handles.set(route, metrics.outboundRoute(parent, route.source, plan.protocol, route.rule));
  return plan;
}

/** The handle of a route a request matched, or null when its plan has none. */
export function routeMetricsOf(route: RouteView): RouteMetrics | null {
  return handles.get(route) ?? null;
}
