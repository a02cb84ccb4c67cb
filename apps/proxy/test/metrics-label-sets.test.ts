// Outbound label sets per endpoint (dst_service, dst_pod) read back from the Prometheus
// text, and the caps that keep the number of sets bounded when pods churn: past
// MAX_OUTBOUND_SETS new pods are counted per workload, past twice that all together, and
// outbound sets never use up the inbound side's own cap.
import { describe, expect, it } from 'vitest';
import { MAX_INBOUND_SETS, MAX_OUTBOUND_SETS, ProxyMetrics } from '../src/metrics/registry.ts';
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
});
