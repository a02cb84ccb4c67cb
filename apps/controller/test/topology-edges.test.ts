// topology.*: one call between two workloads is one edge, whichever sides counted it (outbound,
// inbound, both, or a caller meshed halfway), through the real router over the embedded store.
import { meshIdentity, UNKNOWN_SOURCE, type Workload } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import {
  c,
  type FakeCounters,
  ingestScrape,
  lat,
  platformOf,
  routerOver,
  workload,
} from './metrics-api-fixtures.ts';

describe('topology: one call is one edge', () => {
  const reviews = [
    workload('demo', 'web', true),
    workload('reviews', 'ratings', true),
    workload('demo', 'traffic', true),
    workload('demo', 'pinger', false),
  ];
  const ids = { web: meshIdentity('web', 'demo'), traffic: meshIdentity('traffic', 'demo') };

  /** A router over `workloads` fed with scrapes spaced 5 s apart (cumulative counters per scrape). */
  function feedScrapes(workloads: Workload[], scrapes: Array<Record<string, FakeCounters[]>>) {
    const { caller, store } = routerOver(platformOf(workloads));
    const now = Date.now();
    scrapes.forEach((proxies, i) => {
      ingestScrape(store, store.beginTick(now - (scrapes.length - 1 - i) * 5000), proxies);
    });
    return caller;
  }
  const names = (
    edges: Array<{
      source: { namespace: string; name: string };
      destination: { namespace: string; name: string };
    }>,
  ) =>
    edges.map(
      (e) => `${e.source.namespace}/${e.source.name}>${e.destination.namespace}/${e.destination.name}`,
    );

  it('merges a gRPC call seen by both sides even when the inbound side has no client identity', async () => {
    // web's outbound says mTLS to ratings; ratings' inbound (HTTP/2) counted the same
    // calls without naming the caller.
    const out = (n: number) =>
      c(
        {
          direction: 'outbound',
          dst_namespace: 'reviews',
          dst_deployment: 'ratings',
          tls: 'true',
          server_id: meshIdentity('ratings', 'reviews'),
        },
        n,
        0,
        lat(n, 4),
      );
    const inb = (n: number) => c({ direction: 'inbound', tls: 'false' }, n, 0, lat(n, 2));
    const caller = feedScrapes(reviews, [
      { 'demo/web': [out(0)], 'reviews/ratings': [inb(0)] },
      { 'demo/web': [out(50)], 'reviews/ratings': [inb(48)] },
    ]);
    const g = await caller.topology.graph({ window: '1m' });
    expect(names(g.edges)).toEqual(['demo/web>reviews/ratings']);
    expect(g.edges[0]).toMatchObject({ secured: true, securedShare: 1, metrics: { requests: 50 } });
    expect(g.nodes.map((n) => n.name)).not.toContain(UNKNOWN_SOURCE);
  });

  it('names the caller by its mTLS identity and keeps one edge with both identities', async () => {
    const out = (n: number) =>
      c(
        {
          direction: 'outbound',
          dst_namespace: 'reviews',
          dst_deployment: 'ratings',
          tls: 'true',
          server_id: meshIdentity('ratings', 'reviews'),
        },
        n,
        0,
        lat(n, 4),
      );
    const inb = (n: number) => c({ direction: 'inbound', tls: 'true', client_id: ids.web }, n, 0, lat(n, 2));
    const caller = feedScrapes(reviews, [
      { 'demo/web': [out(0)], 'reviews/ratings': [inb(0)] },
      { 'demo/web': [out(40)], 'reviews/ratings': [inb(40)] },
    ]);
    const edges = await caller.topology.edges({ namespace: 'reviews', name: 'ratings', window: '1m' });
    expect(edges).toHaveLength(1);
    expect(edges[0]).toMatchObject({
      source: { namespace: 'demo', name: 'web' },
      secured: true,
      securedShare: 1,
      clientIdentity: ids.web,
      serverIdentity: meshIdentity('ratings', 'reviews'),
      sourceUnmeshed: false,
      metrics: { requests: 40 },
    });
  });

  it('keeps an unknown caller only for what no outbound side accounts for', async () => {
    const out = (n: number) =>
      c(
        { direction: 'outbound', dst_namespace: 'reviews', dst_deployment: 'ratings', tls: 'true' },
        n,
        0,
        lat(n, 4),
      );
    const inb = (n: number) => c({ direction: 'inbound', tls: 'false' }, n, 0, lat(n, 2));
    // 30 calls from web, 30 more from a caller without a proxy that nobody names.
    const caller = feedScrapes(reviews, [
      { 'demo/web': [out(0)], 'reviews/ratings': [inb(0)] },
      { 'demo/web': [out(30)], 'reviews/ratings': [inb(60)] },
    ]);
    const g = await caller.topology.graph({ window: '1m' });
    expect(names(g.edges)).toEqual(['demo/web>reviews/ratings', `reviews/${UNKNOWN_SOURCE}>reviews/ratings`]);
    expect(g.edges[1]).toMatchObject({
      secured: false,
      securedShare: 0,
      sourceUnmeshed: true,
      metrics: { requests: 30 },
    });
    expect(g.nodes.find((n) => n.name === UNKNOWN_SOURCE)).toMatchObject({ meshed: false, metrics: null });
  });

  it('gives a caller meshed halfway through the window a partial mTLS share', async () => {
    // traffic → web: 20 plaintext calls before traffic had a proxy (web's inbound names it
    // by src_* labels), then 30 mTLS calls once it had (both sides count them).
    const inPlain = (n: number) =>
      c(
        { direction: 'inbound', tls: 'false', src_namespace: 'demo', src_deployment: 'traffic' },
        n,
        0,
        lat(n, 3),
      );
    const inTls = (n: number) =>
      c({ direction: 'inbound', tls: 'true', client_id: ids.traffic }, n, 0, lat(n, 3));
    const out = (n: number) =>
      c(
        { direction: 'outbound', dst_namespace: 'demo', dst_deployment: 'web', tls: 'true' },
        n,
        0,
        lat(n, 5),
      );
    const caller = feedScrapes(reviews, [
      { 'demo/web': [inPlain(0)] },
      { 'demo/web': [inPlain(20)] },
      { 'demo/web': [inPlain(20), inTls(0)], 'demo/traffic': [out(0)] },
      { 'demo/web': [inPlain(20), inTls(30)], 'demo/traffic': [out(30)] },
    ]);
    const edges = await caller.topology.edges({ namespace: 'demo', name: 'web', window: '1m' });
    expect(names(edges)).toEqual(['demo/traffic>demo/web']);
    expect(edges[0]).toMatchObject({
      secured: false,
      securedShare: 0.6,
      clientIdentity: ids.traffic,
      sourceUnmeshed: false,
      metrics: { requests: 50 },
    });
  });

  it('shows a plaintext caller without a proxy, named by the callee, as unmeshed', async () => {
    const inb = (n: number) =>
      c(
        { direction: 'inbound', tls: 'false', src_namespace: 'demo', src_deployment: 'pinger' },
        n,
        0,
        lat(n, 3),
      );
    const caller = feedScrapes(reviews, [{ 'demo/web': [inb(0)] }, { 'demo/web': [inb(12)] }]);
    const edges = await caller.topology.edges({ namespace: 'demo', name: 'web', window: '1m' });
    expect(edges).toEqual([
      expect.objectContaining({
        source: { namespace: 'demo', name: 'pinger' },
        secured: false,
        securedShare: 0,
        sourceUnmeshed: true,
        clientIdentity: null,
      }),
    ]);
  });
});
