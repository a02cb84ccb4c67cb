/**
 * Test support for the metrics and topology API tests: workloads, a platform that lists
 * them, proxy counters, and a router over the embedded metrics store fed with scrapes of
 * those counters as the scraper would ingest them.
 */
import type { Pod, Workload } from '@weft/shared';
import { createCaller } from '../src/api/router.ts';
import { type ApiServices, createContext } from '../src/api/trpc.ts';
import { IN_PROCESS_ADMIN } from '../src/auth/caller.ts';
import type { Platform } from '../src/core/platform.ts';
import { parseExposition } from '../src/metrics/exposition.ts';
import { MetricsService } from '../src/metrics/service.ts';
import { INGESTED_NAMES } from '../src/metrics/store.ts';
import { exposition, type FakeCounters } from '../src/metrics/test-util.ts';

export type { FakeCounters };

export function workload(namespace: string, name: string, meshed: boolean): Workload {
  return {
    namespace,
    name,
    kind: 'Deployment',
    labels: {},
    serviceAccount: name,
    replicas: 1,
    readyReplicas: 1,
    meshedReplicas: meshed ? 1 : 0,
    meshed,
    meshState: meshed ? 'meshed' : 'unmeshed',
    createdAt: new Date(0).toISOString(),
  };
}

/** A platform listing `workloads` (and the data and demo namespaces). */
export function platformOf(workloads: Workload[]) {
  return {
    kind: 'fake',
    listNamespaces: () => ['data', 'demo'],
    listWorkloads: (ns?: string) => workloads.filter((w) => ns === undefined || w.namespace === ns),
    listPods: (): Pod[] => [],
    watch: () => () => {},
  };
}

/** A metrics service over `platform`'s workloads, and an admin's router over it. */
export function routerOver(platform: ConstructorParameters<typeof MetricsService>[0]) {
  const metrics = new MetricsService(platform, {
    scrapeIntervalMs: 5000,
    scrapeTimeoutMs: 1000,
    retentionMs: 3_600_000,
    maxRingBytes: 16 * 1024 * 1024,
  });
  const services = {
    platform: platform as unknown as Platform,
    destination: undefined as unknown as ApiServices['destination'],
    startedAt: 0,
    version: 'test',
    metrics,
  } satisfies ApiServices;
  return { caller: createCaller(createContext(services, IN_PROCESS_ADMIN)), store: metrics.store };
}

/** Ingests one scrape of each proxy's counters (`namespace/workload` keys) at `tick`. */
export function ingestScrape(
  store: MetricsService['store'],
  tick: number,
  proxies: Record<string, FakeCounters[]>,
) {
  for (const [pod, counters] of Object.entries(proxies)) {
    const [ns = '', wl = ''] = pod.split('/');
    store.ingest(
      pod,
      { namespace: ns, workload: wl, pod: `${wl}-1` },
      tick,
      parseExposition(exposition(counters), (n) => INGESTED_NAMES.has(n)),
    );
  }
}

export const c = (
  labels: Record<string, string>,
  success: number,
  failure: number,
  lat: number[] = [],
): FakeCounters => ({
  labels,
  success,
  failure,
  latenciesMs: lat,
});

export const lat = (n: number, ms: number) => Array<number>(n).fill(ms);
