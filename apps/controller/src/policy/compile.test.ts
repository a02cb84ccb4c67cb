/** Compilation: Gateway API precedence, splits, annotations, faults and rate limits in the plans proxies get. */
import { ALLOW_ALL_AUTHZ, InboundPolicy, OutboundPolicy, type PolicyDocument } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { compileInbound } from './compile-inbound.ts';
import { compileOutbound } from './compile-outbound.ts';
import { parsePolicyYaml } from './parse.ts';
import { demoServices } from './test-util.ts';

function docs(yaml: string): PolicyDocument[] {
  return parsePolicyYaml(yaml).map((d, i) => ({
    ...d,
    metadata: { ...d.metadata, creationTimestamp: d.metadata.creationTimestamp ?? `2026-01-01T00:00:0${i}Z` },
  }));
}

const header = (name: string, created?: string) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
  namespace: demo
${created ? `  creationTimestamp: "${created}"` : ''}
spec:
  parentRefs: [{ name: inventory, kind: Service, port: 8080 }]
  rules:`;

describe('compileOutbound', () => {
  it('orders matches by Gateway API precedence across routes', () => {
    const yaml = `${header('b-young', '2026-02-01T00:00:00Z')}
    - matches: [{ path: { type: PathPrefix, value: /a } }]
    - matches: [{ path: { type: PathPrefix, value: /a/b } }, { path: { type: Exact, value: /a } }]
    - matches: [{ path: { type: PathPrefix, value: /a }, method: GET }]
    - matches: [{ path: { type: PathPrefix, value: /a }, method: GET, headers: [{ name: X-One, value: "1" }] }]
    - matches: [{ path: { type: PathPrefix, value: /a }, method: GET, headers: [{ name: x-one, value: "1" }], queryParams: [{ name: q, value: "1" }] }]
    - matches: [{ path: { type: RegularExpression, value: "/r.*" } }]
---${header('a-old', '2026-01-01T00:00:00Z')}
    - matches: [{ path: { type: PathPrefix, value: /z } }]
---${header('c-old', '2026-01-01T00:00:00Z')}
    - matches: [{ path: { type: PathPrefix, value: /y } }]
`;
    const plan = compileOutbound(docs(yaml), demoServices(), 7).get('demo/inventory:8080');
    const order = plan?.routes.map((r) => {
      const m = r.matches[0];
      return `${r.source.name}#${r.rule} ${m?.path?.type} ${m?.path?.value} ${m?.method ?? '-'} h${m?.headers.length} q${m?.queryParams.length}`;
    });
    expect(order).toEqual([
      'b-young#1 Exact /a - h0 q0',
      'b-young#5 RegularExpression /r.* - h0 q0',
      'b-young#1 PathPrefix /a/b - h0 q0',
      'b-young#4 PathPrefix /a GET h1 q1',
      'b-young#3 PathPrefix /a GET h1 q0',
      'b-young#2 PathPrefix /a GET h0 q0',
      // Prefixes of equal length (/a, /z, /y): the oldest route first, then namespace/name.
      'a-old#0 PathPrefix /z - h0 q0',
      'c-old#0 PathPrefix /y - h0 q0',
      'b-young#0 PathPrefix /a - h0 q0',
    ]);
    expect(plan?.revision).toBe(7);
    expect(plan?.routes[3]?.matches[0]?.headers).toEqual([{ name: 'x-one', type: 'Exact', value: '1' }]);
  });

  it('turns a split, route timeouts, annotations and a fault into the plan', () => {
    const yaml = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: split
  namespace: demo
  annotations:
    retry.linkerd.io/http: 5xx,429
    retry.linkerd.io/limit: "3"
    retry.linkerd.io/timeout: 250ms
spec:
  parentRefs: [{ name: inventory, kind: Service, port: 8080 }]
  rules:
    - backendRefs: [{ name: inventory, port: 8080, weight: 90 }, { name: inventory-v2, weight: 10 }]
      timeouts: { request: 2s, backendRequest: 500ms }
---
apiVersion: policy.weft.dev/v1alpha1
kind: HTTPFault
metadata: { name: chaos, namespace: demo }
spec:
  targetRef: { group: gateway.networking.k8s.io, kind: HTTPRoute, name: split }
  abort: { percentage: 10, httpStatus: 503, grpcStatus: 14 }
  delay: { percentage: 50, fixedDelay: 1m30s }
---
apiVersion: v1
kind: Service
metadata:
  name: inventory
  namespace: demo
  annotations:
    timeout.weft.dev/response: 1s
    timeout.weft.dev/idle: 30s
    balancer.weft.dev/failure-accrual: consecutive
    balancer.weft.dev/failure-accrual-consecutive-max-failures: "3"
---
apiVersion: v1
kind: Service
metadata:
  name: catalog
  namespace: demo
  annotations:
    retry.weft.dev/grpc: unavailable,internal
`;
    const plans = compileOutbound(docs(yaml), demoServices(), 3);
    const inventory = plans.get('demo/inventory:8080');
    expect(inventory).toMatchObject({
      authority: 'inventory.demo.svc.cluster.local:8080',
      service: { namespace: 'demo', name: 'inventory', port: 8080 },
      protocol: 'http',
      failureAccrual: { consecutiveFailures: 3, minPenaltyMs: 1000, maxPenaltyMs: 60000, jitterRatio: 0.5 },
    });
    expect(inventory?.routes).toEqual([
      {
        source: { kind: 'HTTPRoute', namespace: 'demo', name: 'split' },
        rule: 0,
        matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }],
        fault: {
          source: { kind: 'HTTPFault', namespace: 'demo', name: 'chaos' },
          abort: { percent: 10, httpStatus: 503, grpcStatus: 14 },
          delay: { percent: 50, ms: 90_000 },
        },
        // Route annotations override the Service's retries; the route has no timeout annotations, so the Service's apply.
        timeouts: { requestMs: 2000, backendRequestMs: 500, responseMs: 1000, idleMs: 30_000 },
        retry: {
          httpStatuses: [
            { min: 500, max: 599 },
            { min: 429, max: 429 },
          ],
          grpcCodes: [],
          limit: 3,
          timeoutMs: 250,
        },
        backends: [
          {
            authority: 'inventory.demo.svc.cluster.local:8080',
            service: { namespace: 'demo', name: 'inventory', port: 8080 },
            weight: 90,
          },
          {
            authority: 'inventory-v2.demo.svc.cluster.local:8080',
            service: { namespace: 'demo', name: 'inventory-v2', port: 8080 },
            weight: 10,
          },
        ],
      },
    ]);
    // A Service with annotations and no route gets one default route carrying them.
    expect(plans.get('demo/catalog:8080')?.routes).toEqual([
      {
        source: { kind: 'default', namespace: 'demo', name: 'catalog' },
        rule: 0,
        matches: [],
        timeouts: {},
        retry: { httpStatuses: [], grpcCodes: [14, 13], limit: 1 },
        backends: [],
      },
    ]);
    expect(plans.get('demo/web:80')?.routes).toEqual([]);
    // What is streamed is exactly what the proxy's schema reads (nothing added by defaults).
    for (const plan of plans.values()) expect(OutboundPolicy.parse(plan)).toEqual(plan);
  });

  it('uses only GRPCRoutes on a port any GRPCRoute attaches to, ordered by service and method length', () => {
    const yaml = `${header('http-one')}
    - backendRefs: [{ name: inventory-v2, port: 8080 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: grpc, namespace: demo }
spec:
  parentRefs: [{ name: inventory, kind: Service, port: 8080 }]
  rules:
    - matches: [{ method: { service: demo.Inventory } }]
    - matches: [{ method: { service: demo.Inventory, method: Reserve } }]
`;
    const plan = compileOutbound(docs(yaml), demoServices(), 1).get('demo/inventory:8080');
    expect(plan?.protocol).toBe('grpc');
    expect(plan?.routes.map((r) => [r.source.name, r.rule, r.matches[0]?.grpc])).toEqual([
      ['grpc', 1, { type: 'Exact', service: 'demo.Inventory', method: 'Reserve' }],
      ['grpc', 0, { type: 'Exact', service: 'demo.Inventory' }],
    ]);
  });
});

describe('compileInbound', () => {
  it('puts a rate limit on the target port of every workload behind the Service', () => {
    const services = demoServices().map((s) =>
      s.name === 'inventory'
        ? { ...s, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' as const }] }
        : s,
    );
    const yaml = `
apiVersion: policy.weft.dev/v1alpha1
kind: HTTPLocalRateLimitPolicy
metadata: { name: rl, namespace: demo }
spec:
  targetRef: { kind: Service, name: inventory }
  total: { requestsPerSecond: 100 }
  identity: { requestsPerSecond: 20 }
  overrides:
    - requestsPerSecond: 50
      clientRefs: [{ kind: ServiceAccount, name: web }]
`;
    const workloads = ['inventory', 'web'].map((name) => ({
      namespace: 'demo',
      name,
      kind: 'Deployment' as const,
      labels: { app: name },
      serviceAccount: name,
      replicas: 1,
      readyReplicas: 1,
      meshedReplicas: 1,
      meshed: true,
      meshState: 'meshed' as const,
      createdAt: '',
    }));
    const plans = compileInbound(docs(yaml), { services, workloads, endpoints: () => [] }, 4);
    expect([...plans.keys()]).toEqual(['demo/inventory:8080']);
    for (const plan of plans.values()) expect(InboundPolicy.parse(plan)).toEqual(plan);
    expect(plans.get('demo/inventory:8080')).toEqual({
      revision: 4,
      workload: { namespace: 'demo', name: 'inventory' },
      port: 8080,
      rateLimit: {
        source: { kind: 'HTTPLocalRateLimitPolicy', namespace: 'demo', name: 'rl' },
        totalRps: 100,
        identityRps: 20,
        overrides: [{ rps: 50, identities: ['web.demo.serviceaccount.identity.weft.cluster.local'] }],
      },
      authz: ALLOW_ALL_AUTHZ,
    });
  });
});
