import type { Edge, GoldenMetrics, Service, Workload } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { backendTraffic, selectedWorkloads } from './backend-traffic.ts';

const svc = (name: string, app: string): Service => ({
  namespace: 'demo',
  name,
  clusterIP: '127.20.0.1',
  ports: [{ port: 8080, targetPort: 8080, protocol: 'TCP' }],
  selector: { app },
});
const wl = (name: string, app: string): Workload => ({
  namespace: 'demo',
  name,
  kind: 'Deployment',
  labels: { app },
  serviceAccount: name,
  replicas: 1,
  readyReplicas: 1,
  meshedReplicas: 1,
  meshed: true,
  meshState: 'meshed',
  createdAt: '2026-01-01T00:00:00Z',
});
const m = (rps: number, requests: number, failures: number): GoldenMetrics => ({
  successRate: requests ? (requests - failures) / requests : null,
  rps,
  latencyP50Ms: 1,
  latencyP95Ms: 2,
  latencyP99Ms: 3,
  requests,
  failures,
});
const edge = (from: string, to: string, metrics: GoldenMetrics): Edge => ({
  source: { namespace: 'demo', name: from },
  destination: { namespace: 'demo', name: to },
  metrics,
  secured: true,
  securedShare: 1,
  clientIdentity: null,
  serverIdentity: null,
  sourceUnmeshed: false,
});

const services = [svc('inventory', 'inventory'), svc('inventory-v2', 'inventory-v2')];
const workloads = [
  wl('inventory', 'inventory'),
  wl('inventory-v2', 'inventory-v2'),
  wl('catalog', 'catalog'),
];

describe('traffic each backend receives', () => {
  it('picks the workloads a Service selects', () => {
    expect(selectedWorkloads(services, workloads, 'demo', 'inventory-v2').map((w) => w.name)).toEqual([
      'inventory-v2',
    ]);
    expect(selectedWorkloads(services, workloads, 'demo', 'nope')).toEqual([]);
  });

  it('sums the edges into its workloads over every caller', () => {
    const edges = [
      edge('catalog', 'inventory-v2', m(2, 120, 6)),
      edge('web', 'inventory-v2', m(1, 60, 0)),
      edge('catalog', 'inventory', m(8, 480, 24)),
    ];
    const t = backendTraffic(services, workloads, edges, 'demo', 'inventory-v2');
    expect(t.rps).toBe(3);
    expect(t.successRate).toBeCloseTo(174 / 180);
    expect(backendTraffic(services, workloads, [], 'demo', 'inventory')).toEqual({
      rps: 0,
      successRate: null,
    });
  });
});
