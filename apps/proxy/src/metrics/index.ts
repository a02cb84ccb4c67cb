/** Metrics: pre-bound handles for protocol code, and the registry the admin server renders. */

export { HttpAccum, TcpAccum } from './accumulators.ts';
export type {
  HttpMetrics,
  RouteBackendMetrics,
  RouteError,
  RouteMetrics,
  RouteOutcome,
  TargetMetrics,
  TcpMetrics,
} from './handles.ts';
export { type OutboundTarget, type OwnLabels, ProxyMetrics } from './registry.ts';
export { routeErrorFor } from './route.ts';
