/**
 * Rows of per-route golden metrics, built the same way whichever backend read the
 * numbers: a route is known by its labels (parent port, route document, rule), a backend
 * by its Service port; routes come out in a stable order, backends by name.
 */
import {
  type GoldenMetrics,
  type RouteBackendMetrics,
  type RouteKey,
  RouteLabelKey,
  type RouteMetricsRow,
} from '@weft/shared';

type Labels = Readonly<Record<string, string | undefined>>;

/** The route a sample's labels name. */
export function routeKeyOf(l: Labels): RouteKey {
  const rule = l[RouteLabelKey.routeRule];
  const port = Number(l[RouteLabelKey.parentPort] ?? '');
  return {
    parentPort: Number.isInteger(port) && port >= 0 && port <= 65535 ? port : 0,
    kind: l[RouteLabelKey.routeKind] ?? '',
    namespace: l[RouteLabelKey.routeNamespace] ?? '',
    name: l[RouteLabelKey.routeName] ?? '',
    rule: rule && /^\d+$/.test(rule) ? Number(rule) : null,
  };
}

/** The backend a sample's labels name. */
export function backendOf(l: Labels): RouteBackendMetrics['backend'] {
  const port = Number(l[RouteLabelKey.backendPort] ?? '');
  return {
    namespace: l[RouteLabelKey.backendNamespace] ?? '',
    name: l[RouteLabelKey.backendName] ?? '',
    port: Number.isInteger(port) && port >= 0 && port <= 65535 ? port : 0,
  };
}

function keyOf(r: RouteKey): string {
  return `${r.parentPort}\u001f${r.kind}\u001f${r.namespace}\u001f${r.name}\u001f${r.rule ?? ''}`;
}

function compareRoutes(a: RouteKey, b: RouteKey): number {
  return (
    a.parentPort - b.parentPort ||
    a.kind.localeCompare(b.kind) ||
    a.namespace.localeCompare(b.namespace) ||
    a.name.localeCompare(b.name) ||
    (a.rule ?? -1) - (b.rule ?? -1)
  );
}

/** Collects route, backend and trend numbers by route, then gives the rows. */
export class RouteRows {
  private readonly rows = new Map<string, RouteMetricsRow & { seen: boolean }>();

  constructor(
    private readonly trendPoints: number,
    private readonly empty: () => GoldenMetrics,
  ) {}

  private row(l: Labels): RouteMetricsRow & { seen: boolean } {
    const route = routeKeyOf(l);
    const k = keyOf(route);
    let r = this.rows.get(k);
    if (r === undefined) {
      r = {
        route,
        metrics: this.empty(),
        backends: [],
        rpsTrend: new Array<number>(this.trendPoints).fill(0),
        seen: false,
      };
      this.rows.set(k, r);
    }
    return r;
  }

  /** The route's own metrics (from `*_route_request_*`). */
  route(l: Labels, metrics: GoldenMetrics): void {
    if (metrics.requests <= 0) return;
    const r = this.row(l);
    r.metrics = metrics;
    r.seen = true;
  }

  /** One backend's metrics (from `*_route_backend_response_*`). */
  backend(l: Labels, metrics: GoldenMetrics): void {
    if (metrics.requests <= 0) return;
    const r = this.row(l);
    r.backends.push({ backend: backendOf(l), metrics });
    r.seen = true;
  }

  /** The route's requests per second in trend point `i`. */
  trend(l: Labels, i: number, rps: number): void {
    if (!(rps > 0) || i < 0 || i >= this.trendPoints) return;
    const r = this.row(l);
    r.rpsTrend[i] = (r.rpsTrend[i] ?? 0) + rps;
  }

  /** Routes with a response in the window, in a stable order; backends by namespace, name, port. */
  result(): RouteMetricsRow[] {
    const out: RouteMetricsRow[] = [];
    for (const { seen, ...r } of this.rows.values()) {
      if (!seen) continue;
      r.backends.sort(
        (a, b) =>
          a.backend.namespace.localeCompare(b.backend.namespace) ||
          a.backend.name.localeCompare(b.backend.name) ||
          a.backend.port - b.backend.port,
      );
      out.push(r);
    }
    return out.sort((a, b) => compareRoutes(a.route, b.route));
  }
}
