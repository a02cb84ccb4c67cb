/**
 * The routes attached to a Service as they are live: per route its status, and per rule
 * its golden metrics (from the proxies' per-route metrics), matches, filters, backends
 * with their weight share, the traffic each receives in all and through this rule, and
 * its timeouts; then the faults on those routes and the rate limits on the Service.
 */
import type {
  GRPCRoute,
  HTTPFault,
  HTTPLocalRateLimitPolicy,
  HTTPRoute,
  PolicyStatus,
  RouteMetricsRow,
  TimeWindow,
} from '@weft/shared';
import { formatPercent, formatRps } from '../../lib/format.ts';
import type { BackendTraffic } from '../../lib/policy/backend-traffic.ts';
import { backendOfRule, ruleMetrics } from '../../lib/policy/route-metrics.ts';
import { RuleTraffic } from './rule-traffic.tsx';

type Route = HTTPRoute | GRPCRoute;
type Rule = NonNullable<HTTPRoute['spec']['rules']>[number];

function describeMatch(m: NonNullable<Rule['matches']>[number]): string {
  const parts: string[] = [];
  if (m.path)
    parts.push(
      `path ${m.path.type === 'PathPrefix' ? 'starts with' : m.path.type === 'Exact' ? 'is' : 'matches'} ${m.path.value}`,
    );
  if (m.method) parts.push(`method ${m.method}`);
  for (const h of m.headers ?? [])
    parts.push(`header ${h.name} ${h.type === 'RegularExpression' ? 'matches' : 'is'} ${h.value}`);
  for (const q of m.queryParams ?? [])
    parts.push(`query ${q.name} ${q.type === 'RegularExpression' ? 'matches' : 'is'} ${q.value}`);
  return parts.join(', ') || 'every request';
}

/** The per-route numbers of the page: undefined until they arrive (or when unavailable). */
export interface RouteTrafficView {
  rows: readonly RouteMetricsRow[] | undefined;
  window: TimeWindow;
}

function RuleBlock({
  rule,
  index,
  route,
  routeNamespace,
  traffic,
  routeTraffic,
}: {
  rule: Rule;
  index: number;
  route: Route;
  /** The route document's namespace (the Service's when the document leaves it out). */
  routeNamespace: string;
  traffic: (name: string, namespace?: string) => BackendTraffic | undefined;
  routeTraffic: RouteTrafficView;
}) {
  const backends = rule.backendRefs ?? [];
  const total = backends.reduce((s, b) => s + (b.weight ?? 1), 0);
  const row = routeTraffic.rows
    ? ruleMetrics(routeTraffic.rows, {
        kind: route.kind,
        namespace: routeNamespace,
        name: route.metadata.name,
        rule: index,
      })
    : undefined;
  return (
    <div className="rule">
      <h4>
        Rule {index + 1}
        {rule.name ? ` (${rule.name})` : ''}
      </h4>
      <RuleTraffic
        label={`rule ${index + 1} of ${route.kind} ${route.metadata.name}`}
        row={row}
        loaded={routeTraffic.rows !== undefined}
        window={routeTraffic.window}
      />
      <p className="small">
        <span className="muted">Matches: </span>
        {rule.matches && rule.matches.length > 0
          ? rule.matches.map(describeMatch).join(' or ')
          : 'every request'}
      </p>
      {rule.filters && rule.filters.length > 0 && (
        <p className="small">
          <span className="muted">Filters: </span>
          {rule.filters.map((f) => f.type).join(', ')}
        </p>
      )}
      {(rule.timeouts?.request || rule.timeouts?.backendRequest) && (
        <p className="small">
          <span className="muted">Timeouts: </span>
          {rule.timeouts.request && `request ${rule.timeouts.request}`}
          {rule.timeouts.request && rule.timeouts.backendRequest && ', '}
          {rule.timeouts.backendRequest && `per backend request ${rule.timeouts.backendRequest}`}
        </p>
      )}
      {backends.length > 0 && (
        <table className="table" aria-label={`Backends of rule ${index + 1}`}>
          <thead>
            <tr>
              <th scope="col">Backend</th>
              <th scope="col" className="num">
                Weight
              </th>
              <th scope="col" className="num">
                Share
              </th>
              <th scope="col" className="num">
                RPS received
              </th>
              <th scope="col" className="num">
                Success
              </th>
              <th scope="col" className="num">
                RPS via rule
              </th>
              <th scope="col" className="num">
                Success via rule
              </th>
            </tr>
          </thead>
          <tbody>
            {backends.map((b) => {
              const t = traffic(b.name, b.namespace);
              const via = backendOfRule(row, b.namespace ?? routeNamespace, b.name)?.metrics;
              return (
                <tr key={`${b.namespace ?? ''}/${b.name}:${b.port ?? ''}`}>
                  <th scope="row">
                    {b.namespace ? `${b.namespace}/` : ''}
                    {b.name}
                    {b.port ? `:${b.port}` : ''}
                  </th>
                  <td className="num">{b.weight ?? 1}</td>
                  <td className="num">{total > 0 ? formatPercent((b.weight ?? 1) / total) : '–'}</td>
                  <td className="num">{formatRps(t?.rps)}</td>
                  <td className="num">{formatPercent(t?.successRate)}</td>
                  <td className="num">{formatRps(via?.rps ?? (row ? 0 : undefined))}</td>
                  <td className="num">{formatPercent(via?.successRate)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function RoutesSection({
  routes,
  statuses,
  faults,
  rateLimits,
  traffic,
  routeTraffic,
  service,
}: {
  routes: Route[];
  statuses: Map<string, PolicyStatus>;
  faults: HTTPFault[];
  rateLimits: HTTPLocalRateLimitPolicy[];
  traffic: (name: string, namespace?: string) => BackendTraffic | undefined;
  routeTraffic: RouteTrafficView;
  /** The Service's namespace and name: its implicit route when no route attaches. */
  service: { namespace: string; name: string };
}) {
  if (routes.length === 0)
    return (
      <>
        <p className="state-empty">
          No route is attached: callers reach the Service's own pods, each request once, with no timeout.
        </p>
        <RuleTraffic
          label="the default route"
          row={
            routeTraffic.rows
              ? ruleMetrics(routeTraffic.rows, { kind: 'default', ...service, rule: 0 })
              : undefined
          }
          loaded={routeTraffic.rows !== undefined}
          window={routeTraffic.window}
        />
      </>
    );
  return (
    <>
      {routes.map((r) => {
        const status = statuses.get(`${r.kind}/${r.metadata.name}`);
        const problems = status?.conditions.filter((c) => c.status === 'False') ?? [];
        return (
          <article
            key={`${r.kind}/${r.metadata.name}`}
            className="route"
            aria-label={`${r.kind} ${r.metadata.name}`}
          >
            <h3>
              {r.kind} {r.metadata.name}{' '}
              <span className={`pill ${problems.length > 0 ? 'health-failing' : 'health-healthy'}`}>
                {problems.length > 0 ? 'Not accepted' : 'Accepted'}
              </span>
            </h3>
            {problems.map((c) => (
              <p key={c.type} className="state-error small">
                {c.type}: {c.reason}: {c.message}
              </p>
            ))}
            {(r.spec.rules ?? []).map((rule, i) => (
              <RuleBlock
                // Rules have no identity of their own but their position.
                // biome-ignore lint/suspicious/noArrayIndexKey: a rule is known by its index
                key={i}
                rule={rule as Rule}
                index={i}
                route={r}
                routeNamespace={r.metadata.namespace ?? service.namespace}
                traffic={traffic}
                routeTraffic={routeTraffic}
              />
            ))}
          </article>
        );
      })}
      {faults.length > 0 && (
        <div>
          <h3>Faults</h3>
          <ul className="plain-list">
            {faults.map((f) => (
              <li key={f.metadata.name}>
                <strong>{f.metadata.name}</strong> on {f.spec.targetRef.kind} {f.spec.targetRef.name}:{' '}
                {f.spec.abort &&
                  `${f.spec.abort.percentage}% aborted with ${f.spec.abort.httpStatus ?? `gRPC ${f.spec.abort.grpcStatus}`}`}
                {f.spec.abort && f.spec.delay && '; '}
                {f.spec.delay && `${f.spec.delay.percentage}% delayed ${f.spec.delay.fixedDelay}`}
              </li>
            ))}
          </ul>
        </div>
      )}
      {rateLimits.length > 0 && (
        <div>
          <h3>Rate limits</h3>
          <ul className="plain-list">
            {rateLimits.map((l) => (
              <li key={l.metadata.name}>
                <strong>{l.metadata.name}</strong>:{' '}
                {l.spec.total ? `${l.spec.total.requestsPerSecond} rps in total` : 'no total limit'}
                {l.spec.identity ? `, ${l.spec.identity.requestsPerSecond} rps per caller identity` : ''}
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
