// Outbound label sets per endpoint (dst_service, dst_pod) read back from the Prometheus
// text, and the caps that keep the number of sets bounded when pods churn: past
// MAX_OUTBOUND_SETS new pods are counted per workload, past twice that all together, and
// outbound sets never use up the inbound side's own cap; and the sets of endpoints that
// left (released by their holder, connections closed) are dropped after a while.
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  MAX_INBOUND_SETS,
  MAX_OUTBOUND_SETS,
  ProxyMetrics,
  RETAIN_RELEASED_MS,
} from '../src/metrics/registry.ts';
import { parseProm, sum } from './core-harness.ts';

const own = { namespace: 'demo', deployment: 'web', pod: 'web-1' };
const target = (pod: string, workload = 'catalog') => ({
  authority: '127.20.0.1:8080',
  dstNamespace: 'demo',
  dstDeployment: workload,
  dstService: 'catalog',
  dstPod: pod,
  tls: true,
  serverId: 'catalog.demo.serviceaccount.identity.weft.cluster.local',
});

describe('outbound label sets', () => {
  it('label each endpoint with the Service it was addressed by and its pod, once per endpoint', async () => {
    const m = new ProxyMetrics(own);
    const a = m.outbound(target('catalog-abc12'));
    expect(m.outbound(target('catalog-abc12'))).toBe(a);
    const b = m.outbound(target('catalog-def34'));
    expect(b).not.toBe(a);
    a.http.request();
    a.http.response(200, 3, false);
    b.http.request();
    b.http.request();
    const s = parseProm(await m.text());
    const labels = {
      direction: 'outbound',
      ...own,
      authority: '127.20.0.1:8080',
      dst_namespace: 'demo',
      dst_deployment: 'catalog',
      dst_service: 'catalog',
      tls: 'true',
      server_id: 'catalog.demo.serviceaccount.identity.weft.cluster.local',
    };
    expect(sum(s, 'request_total', { ...labels, dst_pod: 'catalog-abc12' })).toBe(1);
    expect(sum(s, 'request_total', { ...labels, dst_pod: 'catalog-def34' })).toBe(2);
    expect(sum(s, 'response_total', { ...labels, dst_pod: 'catalog-abc12', status_code: '200' })).toBe(1);
  });

  it('leave dst_service and dst_pod out when discovery gave none (a direct forward)', async () => {
    const m = new ProxyMetrics(own);
    m.outbound({ authority: '10.1.2.3:80', tls: false }).http.request();
    const s = parseProm(await m.text());
    const r = s.find((x) => x.name === 'request_total');
    expect(r?.labels).not.toHaveProperty('dst_service');
    expect(r?.labels).not.toHaveProperty('dst_pod');
  });

  it('stay bounded when pods churn: per workload past the cap, then all together', async () => {
    const m = new ProxyMetrics(own);
    for (let i = 0; i < MAX_OUTBOUND_SETS; i++) m.outbound(target(`catalog-${i}`)).http.request();
    // past the cap a new pod of a workload shares that workload's set, without dst_pod
    const late = m.outbound(target('catalog-late-1'));
    expect(m.outbound(target('catalog-late-2'))).toBe(late);
    late.http.request();
    let s = parseProm(await m.text());
    const perWorkload = s.filter((x) => x.name === 'request_total' && x.labels.dst_pod === undefined);
    expect(perWorkload).toHaveLength(1);
    expect(perWorkload[0]?.labels).toMatchObject({ dst_deployment: 'catalog', dst_service: 'catalog' });
    // past twice the cap, whatever is new is counted together without authority or dst_*
    for (let i = 0; i < MAX_OUTBOUND_SETS; i++) m.outbound(target(`x-${i}`, `w${i}`)).http.request();
    const shared = m.outbound(target('y-1', 'brand-new'));
    expect(m.outbound({ authority: '10.9.9.9:1', tls: true })).toBe(shared);
    shared.http.request();
    s = parseProm(await m.text());
    const requests = s.filter((x) => x.name === 'request_total');
    expect(requests.length).toBeLessThanOrEqual(2 * MAX_OUTBOUND_SETS + 1);
    expect(requests.reduce((t, x) => t + x.value, 0)).toBe(2 * MAX_OUTBOUND_SETS + 2);
    const together = requests.find((x) => x.labels.authority === undefined);
    expect(together?.labels).toEqual({ direction: 'outbound', ...own, tls: 'true' });
    // the last of the loop's workloads reached the second cap too: it and the new one
    expect(together?.value).toBe(2);
  });

  it('do not use up the cap of inbound label sets', async () => {
    const m = new ProxyMetrics(own);
    for (let i = 0; i < MAX_INBOUND_SETS + 10; i++) m.outbound(target(`catalog-${i}`));
    m.inbound(
      'web.demo:80',
      'demo',
      'traffic',
      true,
      'traffic.demo.serviceaccount.identity.weft.cluster.local',
    ).http.request();
    const s = parseProm(await m.text());
    expect(
      sum(s, 'request_total', { direction: 'inbound', authority: 'web.demo:80', src_deployment: 'traffic' }),
    ).toBe(1);
  });

  it("drop an endpoint's set once released, idle and connection-free for the retention time", async () => {
    const m = new ProxyMetrics(own);
    const gone = m.outbound(target('catalog-old'));
    const kept = m.outbound(target('catalog-new'));
    const busy = m.outbound(target('catalog-busy'));
    for (const h of [gone, kept, busy]) h.http.request();
    const conn = new Socket(); // never connected: only counted
    busy.tcp.open(conn);
    gone.release?.();
    busy.release?.();
    const pods = async () =>
      parseProm(await m.text())
        .filter((x) => x.name === 'request_total')
        .map((x) => x.labels.dst_pod)
        .sort();
    m.sweep(Date.now() + RETAIN_RELEASED_MS - 5_000);
    expect(await pods()).toEqual(['catalog-busy', 'catalog-new', 'catalog-old']);
    m.sweep(Date.now() + RETAIN_RELEASED_MS + 1_000);
    // released and past retention: gone; still held: kept; a connection still open: kept
    expect(await pods()).toEqual(['catalog-busy', 'catalog-new']);
    busy.tcp.close(conn);
    m.sweep(Date.now() + RETAIN_RELEASED_MS + 1_000);
    expect(await pods()).toEqual(['catalog-new']);
    // the same pod coming back starts a new set from zero
    m.outbound(target('catalog-old')).http.request();
    expect(await pods()).toEqual(['catalog-new', 'catalog-old']);
  });

  it('free room under the cap when sets are dropped, so new pods get dst_pod again', async () => {
    const m = new ProxyMetrics(own);
    const held = [];
    for (let i = 0; i < MAX_OUTBOUND_SETS; i++) held.push(m.outbound(target(`catalog-${i}`)));
    for (const h of held) h.release?.();
    m.sweep(Date.now() + RETAIN_RELEASED_MS + 1_000);
    m.outbound(target('catalog-after-rollout')).http.request();
    const s = parseProm(await m.text());
    expect(s.filter((x) => x.name === 'request_total').map((x) => x.labels.dst_pod)).toEqual([
      'catalog-after-rollout',
    ]);
  });

  it('keep a set held by another endpoint with the same labels until both release it', () => {
    const m = new ProxyMetrics(own);
    const a = m.outbound(target('catalog-x'));
    const b = m.outbound(target('catalog-x'));
    expect(b).toBe(a);
    a.release?.();
    m.sweep(Date.now() + RETAIN_RELEASED_MS + 1_000);
    expect(m.outbound(target('catalog-x'))).toBe(a);
  });
});
