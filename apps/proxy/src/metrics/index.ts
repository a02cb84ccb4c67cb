/** Metrics: pre-bound handles for protocol code, and the registry the admin server renders. */
export type {
  HttpMetrics,
  RouteBackendMetrics,
  RouteError,
  RouteMetrics,
  RouteOutcome,
  TargetMetrics,
  TcpMetrics,
} from './handles.ts';
export { HttpAccum, type OutboundTarget, type OwnLabels, ProxyMetrics, TcpAccum } from './registry.ts';
export { routeErrorFor } from './route.ts';
