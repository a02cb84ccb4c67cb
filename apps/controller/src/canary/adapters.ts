/**
 * The canary runner's ports over the controller's own parts: the wall clock; the canary
 * backend's golden metrics, measured alone, not mixed with stable: on the canary's route
 * as the callers' proxies counted that backend (`outbound_http_route_backend_*`, which
 * also sees failures the canary's own proxy never does, such as refused connections),
 * else as its own proxies counted it on the inbound side (the workloads its Service
 * selects); and its HTTPRoute, written through the PolicyService as a new revision
 * authored `canary:<id>` (validated like any apply).
 */
import {
  type Canary,
  type CanaryMeasurement,
  canaryAuthor,
  ErrorCode,
  GATEWAY_GROUP,
  type HTTPRoute,
  MeshError,
} from '@weft/shared';
import type { Platform } from '../core/platform.ts';
import type { MetricsBackend } from '../metrics/backend.ts';
import { isServiceKind } from '../policy/attach.ts';
import { serviceWorkloads } from '../policy/impact.ts';
import type { PolicyService } from '../policy/service.ts';
import type { CanaryStart } from './control.ts';
import type { CanaryClock, CanaryMetricsReader, CanaryRouteWriter } from './ports.ts';

/** `Date.now` and `setTimeout`, cut short by the signal. */
export const systemClock: CanaryClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    }),
};

/**
 * What the route `via` sent backend `service` over the last `seconds`, summed over its
 * rules and parent ports; null when no caller counted a response of it there.
 */
async function onRoute(
  backend: MetricsBackend,
  namespace: string,
  service: string,
  seconds: number,
  via: { parent: string; route: string },
): Promise<{ requests: number; failures: number; rps: number; p99: number | null } | null> {
  const rows = await backend.routes({ parent: { namespace, name: via.parent }, seconds, trendPoints: 1 });
  let requests = 0;
  let failures = 0;
  let rps = 0;
  let p99: number | null = null;
  for (const r of rows) {
    if (r.route.kind !== 'HTTPRoute' || r.route.name !== via.route || r.route.namespace !== namespace)
      continue;
    for (const b of r.backends) {
      if (b.backend.name !== service || b.backend.namespace !== namespace) continue;
      requests += b.metrics.requests;
      failures += b.metrics.failures;
      rps += b.metrics.rps;
      if (b.metrics.latencyP99Ms !== null) p99 = Math.max(p99 ?? 0, b.metrics.latencyP99Ms);
    }
  }
  return requests > 0 ? { requests, failures, rps, p99 } : null;
}

/**
 * The canary backend's golden metrics: success rate and rate from the route the canary
 * writes where callers counted the backend there, else from the inbound side of the
 * workloads its Service selects (summed); p99 from the inbound side's finer histogram
 * where it counted (the worst workload's), else the route's.
 */
export function backendMetricsReader(
  backend: MetricsBackend,
  platform: Pick<Platform, 'listServices' | 'listWorkloads'>,
): CanaryMetricsReader {
  return {
    async measure(namespace, service, seconds, via): Promise<CanaryMeasurement> {
      const svc = platform.listServices(namespace).find((s) => s.name === service);
      if (!svc) throw new MeshError(ErrorCode.notFound, `Service ${namespace}/${service} not found`);
      const route = via === undefined ? null : await onRoute(backend, namespace, service, seconds, via);
      const names = new Set(serviceWorkloads(svc, platform.listWorkloads(namespace)).map((w) => w.name));
      const rows = await backend.golden({
        direction: 'inbound',
        match: [{ label: 'namespace', op: '=', value: namespace }],
        by: ['deployment'],
        seconds,
      });
      let requests = 0;
      let failures = 0;
      let rps = 0;
      let p99: number | null = null;
      for (const r of rows) {
        if (!names.has(r.labels.deployment ?? '')) continue;
        requests += r.metrics.requests;
        failures += r.metrics.failures;
        rps += r.metrics.rps;
        if (r.metrics.latencyP99Ms !== null) p99 = Math.max(p99 ?? 0, r.metrics.latencyP99Ms);
      }
      if (route !== null) {
        return {
          successRate: (route.requests - route.failures) / route.requests,
          p99Ms: requests > 0 && p99 !== null ? p99 : route.p99,
          requests: route.requests,
          rps: route.rps,
        };
      }
      return {
        successRate: requests > 0 ? (requests - failures) / requests : null,
        p99Ms: requests > 0 ? p99 : null,
        requests,
        rps,
      };
    },
  };
}

function invalid(message: string): never {
  throw new MeshError(ErrorCode.invalidInput, message);
}

/** The HTTPRoutes of a namespace that attach to a Service port. */
function routesOf(policy: PolicyService, namespace: string, service: string, port: number): HTTPRoute[] {
  return policy
    .list(namespace)
    .map((i) => i.document)
    .filter(
      (d): d is HTTPRoute =>
        d.kind === 'HTTPRoute' &&
        d.spec.parentRefs.some(
          (p) =>
            isServiceKind(p, 'Service') &&
            p.name === service &&
            (p.namespace ?? namespace) === namespace &&
            (p.port === undefined || p.port === port),
        ),
    );
}

function findRoute(policy: PolicyService, namespace: string, name: string): HTTPRoute | undefined {
  return policy
    .list(namespace)
    .map((i) => i.document)
    .find((d): d is HTTPRoute => d.kind === 'HTTPRoute' && d.metadata.name === name);
}

/** Writes a canary's weights on its HTTPRoute through the policy service. */
export function policyRouteWriter(
  policy: PolicyService,
  platform: Pick<Platform, 'listServices' | 'listWorkloads'>,
): CanaryRouteWriter {
  return {
    resolveRoute(input: CanaryStart) {
      const services = platform.listServices(input.namespace);
      for (const [field, name] of [
        ['service', input.service],
        ['stable', input.stable],
        ['canary', input.canary],
      ] as const) {
        const svc = services.find((s) => s.name === name);
        if (!svc) invalid(`${field}: Service ${input.namespace}/${name} not found`);
        if (!svc.ports.some((p) => p.port === input.port))
          invalid(`${field}: Service ${input.namespace}/${name} has no port ${input.port}`);
        // The gates read the canary's own proxies: without one, nothing could be measured.
        if (
          field === 'canary' &&
          !serviceWorkloads(svc, platform.listWorkloads(input.namespace)).some((w) => w.meshedReplicas > 0)
        )
          invalid(
            `canary: no workload behind Service ${input.namespace}/${name} is meshed; mesh it first (the gates read its proxies' metrics)`,
          );
      }
      if (input.route !== undefined)
        return { route: input.route, existed: findRoute(policy, input.namespace, input.route) !== undefined };
      const attached = routesOf(policy, input.namespace, input.service, input.port);
      if (attached.length === 1) return { route: (attached[0] as HTTPRoute).metadata.name, existed: true };
      if (attached.length > 1)
        invalid(
          `route: several HTTPRoutes attach to ${input.namespace}/${input.service}:${input.port} (${attached.map((r) => r.metadata.name).join(', ')}); name the one the canary sets`,
        );
      const name = `${input.service}-canary`;
      if (name.length > 63) invalid(`route: ${name} is longer than 63 characters; name the route`);
      return { route: name, existed: false };
    },

    setWeight(c: Canary, weight: number): number {
      const backendRefs = [
        { name: c.stable, port: c.port, weight: 100 - weight },
        { name: c.canary, port: c.port, weight },
      ];
      const existing = findRoute(policy, c.namespace, c.route);
      const doc: HTTPRoute = existing
        ? {
            ...existing,
            spec: {
              ...existing.spec,
              rules: (existing.spec.rules?.length ? existing.spec.rules : [{}]).map((r) => ({
                ...r,
                backendRefs,
              })),
            },
          }
        : {
            apiVersion: `${GATEWAY_GROUP}/v1`,
            kind: 'HTTPRoute',
            metadata: { name: c.route, namespace: c.namespace },
            spec: {
              parentRefs: [{ group: 'core', kind: 'Service', name: c.service, port: c.port }],
              rules: [{ backendRefs }],
            },
          };
      // JSON is YAML: the same parse and validation as any apply.
      return policy.apply(JSON.stringify(doc), { author: canaryAuthor(c.id) }).revision;
    },
  };
}
