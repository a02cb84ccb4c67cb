import { describe, expect, it } from 'vitest';
import { Authority, Endpoint, EndpointSet, ServicePort, Workload, WorkloadRef } from './workload.ts';

const workload = {
  namespace: 'demo',
  name: 'web',
  kind: 'Deployment',
  labels: { app: 'web' },
  serviceAccount: 'web',
  replicas: 2,
  readyReplicas: 2,
  meshedReplicas: 0,
  meshed: false,
  meshState: 'unmeshed',
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('Workload', () => {
  it('accepts a valid workload', () => {
    expect(Workload.parse(workload)).toEqual(workload);
  });

  it('names the field that is wrong', () => {
    const result = Workload.safeParse({ ...workload, replicas: -1 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['replicas']);
  });

  it('rejects an unknown mesh state', () => {
    expect(Workload.safeParse({ ...workload, meshState: 'half' }).success).toBe(false);
  });
});

describe('WorkloadRef', () => {
  it('requires a valid namespace and name', () => {
    expect(WorkloadRef.safeParse({ namespace: 'demo', name: 'web' }).success).toBe(true);
    const bad = WorkloadRef.safeParse({ namespace: 'Demo', name: 'web' });
    expect(bad.error?.issues[0]?.path).toEqual(['namespace']);
  });
});

describe('ServicePort', () => {
  it('defaults the protocol to TCP and bounds the port', () => {
    expect(ServicePort.parse({ port: 80, targetPort: 8080 }).protocol).toBe('TCP');
    expect(ServicePort.safeParse({ port: 70000, targetPort: 8080 }).success).toBe(false);
  });
});

describe('Authority and EndpointSet', () => {
  it('accepts host:port and rejects a bare host', () => {
    expect(Authority.safeParse('web.demo.svc.cluster.local:8080').success).toBe(true);
    expect(Authority.safeParse('127.20.0.1:80').success).toBe(true);
    expect(Authority.safeParse('web').success).toBe(false);
  });

  it('carries endpoints with their mesh state', () => {
    const endpoint = Endpoint.parse({
      address: '127.10.0.1',
      port: 8080,
      pod: 'web-abc12',
      workload: 'web',
      namespace: 'demo',
      meshed: true,
    });
    const set = EndpointSet.parse({
      authority: 'web.demo:8080',
      service: { namespace: 'demo', name: 'web' },
      endpoints: [endpoint],
    });
    expect(set.endpoints[0]?.meshed).toBe(true);
  });
});
