// policies.authorization through the real router: for a workload port, the compiled
// rules and every caller seen on the topology, judged by those rules from its mTLS
// identity and its pods' real addresses.
import { meshIdentity, type Pod } from '@weft/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { createCaller } from '../src/api/router.ts';
import { type ApiServices, createContext } from '../src/api/trpc.ts';
import { IN_PROCESS_ADMIN } from '../src/auth/caller.ts';
import { parseExposition } from '../src/metrics/exposition.ts';
import { MetricsService } from '../src/metrics/service.ts';
import { INGESTED_NAMES } from '../src/metrics/store.ts';
import { exposition, type FakeCounters } from '../src/metrics/test-util.ts';
import { PolicyService } from '../src/policy/service.ts';
import { MemoryPlatform, tempStateDir } from '../src/policy/test-util.ts';
import { StateStore } from '../src/state/store.ts';

const pod = (name: string, ip: string): Pod =>
  ({
    namespace: 'demo',
    name: `${name}-1`,
    workload: name,
    ip,
    phase: 'Running',
    ready: true,
    meshed: true,
    restarts: 0,
    lastExit: null,
  }) as Pod;

const POLICY = `
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: { name: catalog-http, namespace: demo }
spec:
  podSelector: { matchLabels: { app: catalog } }
  port: 8080
---
apiVersion: policy.linkerd.io/v1alpha1
kind: NetworkAuthentication
metadata: { name: web-pods, namespace: demo }
spec:
  networks: [{ cidr: 127.10.0.0/30 }]
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: { name: from-web-pods, namespace: demo }
spec:
  targetRef: { group: policy.linkerd.io, kind: Server, name: catalog-http }
  requiredAuthenticationRefs: [{ group: policy.linkerd.io, kind: NetworkAuthentication, name: web-pods }]
`;

describe('policies.authorization', () => {
  const dir = tempStateDir();
  const platform = new MemoryPlatform();
  platform.pods = [pod('web', '127.10.0.1'), pod('catalog', '127.10.0.2'), pod('inventory', '127.10.0.9')];
  const policy = new PolicyService({ platform: platform.asPlatform(), state: new StateStore(dir) });
  afterAll(() => policy.close());

  it('lists the rules and judges each observed caller', async () => {
    policy.apply(POLICY, { author: 'test' });
    const metrics = new MetricsService(platform.asPlatform(), {
      scrapeIntervalMs: 5000,
      scrapeTimeoutMs: 1000,
      retentionMs: 3_600_000,
      maxRingBytes: 16 * 1024 * 1024,
    });
    const counters = (a: number, b: number): FakeCounters[] => [
      {
        labels: { direction: 'inbound', tls: 'false', src_addr: '127.10.0.1' },
        success: a,
        failure: 0,
        latenciesMs: [],
      },
      {
        labels: { direction: 'inbound', tls: 'true', client_id: meshIdentity('inventory', 'demo') },
        success: b,
        failure: 0,
        latenciesMs: [],
      },
    ];
    for (const [tick, a, b] of [
      [Date.now() - 5000, 0, 0],
      [Date.now(), 12, 5],
    ] as const) {
      const t = metrics.store.beginTick(tick);
      metrics.store.ingest(
        'demo/catalog',
        { namespace: 'demo', workload: 'catalog', pod: 'catalog-1' },
        t,
        parseExposition(exposition(counters(a, b)), (x) => INGESTED_NAMES.has(x)),
      );
    }
    const services = {
      platform: platform.asPlatform(),
      startedAt: 0,
      version: 'test',
      metrics,
      policy,
    } as unknown as ApiServices;
    const caller = createCaller(createContext(services, IN_PROCESS_ADMIN));
    const r = await caller.policies.authorization({
      namespace: 'demo',
      workload: 'catalog',
      port: 8080,
      window: '1m',
    });
    expect(r.authz.serverName).toBe('catalog-http');
    expect(r.authz.rules.map((x) => x.name)).toEqual(['from-web-pods']);
    expect(r.callers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          source: { namespace: 'demo', name: 'web' },
          identity: null,
          allowed: true,
          rule: 'demo/from-web-pods',
          requests: 12,
        }),
        expect.objectContaining({
          source: { namespace: 'demo', name: 'inventory' },
          identity: meshIdentity('inventory', 'demo'),
          allowed: false,
          rule: null,
          requests: 5,
        }),
      ]),
    );
    expect(r.callers).toHaveLength(2);
    // A port no Server covers has the mesh's default.
    const other = await caller.policies.authorization({ namespace: 'demo', workload: 'web', port: 8080 });
    expect(other.authz.serverName).toBe('default:all-unauthenticated');
  });
});
