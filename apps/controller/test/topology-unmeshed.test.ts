// An unmeshed caller is named after its workload: the callee's proxy labels plaintext
// requests with the caller's source address (`src_addr`), and the topology maps that
// address to the pod the platform lists, instead of drawing an `unknown` node. An address
// no pod has stays unknown.
import { type Pod, UNKNOWN_SOURCE, type Workload } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { workload as demoWorkload, ingestScrape, routerOver } from './metrics-api-fixtures.ts';

const workload = (name: string, meshed: boolean): Workload => ({
  ...demoWorkload('demo', name, meshed),
  labels: { app: name },
});

function pod(name: string, ip: string, meshed: boolean): Pod {
  return {
    namespace: 'demo',
    name: `${name}-1`,
    workload: name,
    ip,
    phase: 'Running',
    ready: true,
    meshed,
    restarts: 0,
    lastExit: null,
  } as Pod;
}

const platform = {
  kind: 'fake',
  listNamespaces: () => ['demo'],
  listWorkloads: () => [workload('catalog', true), workload('pinger', false)],
  listPods: () => [pod('catalog', '127.10.0.2', true), pod('pinger', '127.10.0.7', false)],
  watch: () => () => {},
};

describe('topology of unmeshed callers', () => {
  it('names a plaintext caller after the workload of its source address, marked unmeshed', async () => {
    const { caller, store } = routerOver(platform);
    const counters = (n: number, m: number) => [
      {
        labels: { direction: 'inbound', tls: 'false', src_addr: '127.10.0.7' },
        success: n,
        failure: 0,
        latenciesMs: [],
      },
      {
        labels: { direction: 'inbound', tls: 'false', src_addr: '127.99.0.1' },
        success: m,
        failure: 0,
        latenciesMs: [],
      },
    ];
    for (const [tick, n, m] of [
      [Date.now() - 5000, 0, 0],
      [Date.now(), 12, 3],
    ] as const) {
      ingestScrape(store, store.beginTick(tick), { 'demo/catalog': counters(n, m) });
    }
    const edges = await caller.topology.edges({ namespace: 'demo', name: 'catalog', window: '1m' });
    expect(edges).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          source: { namespace: 'demo', name: 'pinger' },
          destination: { namespace: 'demo', name: 'catalog' },
          sourceUnmeshed: true,
          clientIdentity: null,
          metrics: expect.objectContaining({ requests: 12 }),
        }),
        expect.objectContaining({
          source: { namespace: 'demo', name: UNKNOWN_SOURCE },
          metrics: expect.objectContaining({ requests: 3 }),
        }),
      ]),
    );
    expect(edges).toHaveLength(2);
  });
});
