// The per-route handle (`ProxyMetrics.outboundRoute`) read back from the Prometheus text:
// Linkerd 2.16+ family names, parent/route/backend labels, statuses and errors,
// durations in Linkerd's route buckets, retries, caching, and the caps on label sets.
import { ROUTE_REQUEST_BUCKETS_S, ROUTE_RESPONSE_BUCKETS_S } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { routeErrorFor } from '../src/metrics/index.ts';
import { ProxyMetrics } from '../src/metrics/registry.ts';
import { MAX_BACKENDS_PER_ROUTE, MAX_ROUTE_SETS } from '../src/metrics/route.ts';
import { parseProm, sum } from './core-harness.ts';

const own = { namespace: 'demo', deployment: 'web', pod: 'web-1' };
const parent = { namespace: 'demo', name: 'catalog', port: 8080 };
const httpRoute = { kind: 'HTTPRoute', namespace: 'demo', name: 'catalog-split' };
const v1 = { namespace: 'demo', name: 'catalog', port: 8080 };
const v2 = { namespace: 'demo', name: 'catalog-v2', port: 8080 };

const routeLabels = {
  parent_group: 'core',
  parent_kind: 'Service',
  parent_namespace: 'demo',
  parent_name: 'catalog',
  parent_port: '8080',
  route_group: 'gateway.networking.k8s.io',
  route_kind: 'HTTPRoute',
  route_namespace: 'demo',
  route_name: 'catalog-split',
};

async function scrape(m: ProxyMetrics) {
  return parseProm(await m.text());
}

describe('outboundRoute', () => {
  it('counts HTTP requests, statuses, errors and durations per route with Linkerd names and labels', async () => {
    const m = new ProxyMetrics(own);
    const r = m.outboundRoute(parent, httpRoute, 'http');
    for (let i = 0; i < 6; i++) r.requestDone(200, null, null, 30); // 0.03 s
    r.requestDone(503, null, null, 700);
    r.requestDone(0, null, routeErrorFor('request-timeout'), 2_000);
    const s = await scrape(m);
    const name = 'outbound_http_route_request_statuses_total';
    expect(sum(s, name, { ...routeLabels, ...own, http_status: '200' })).toBe(6);
    expect(sum(s, name, { ...routeLabels, http_status: '503' })).toBe(1);
    const timeout = s.filter((x) => x.name === name && x.labels.error === 'REQUEST_TIMEOUT');
    expect(timeout).toHaveLength(1);
    expect(timeout[0]?.labels.http_status).toBeUndefined();
    expect(timeout[0]?.value).toBe(1);

    const buckets = s.filter((x) => x.name === 'outbound_http_route_request_duration_seconds_bucket');
    expect(buckets.map((b) => b.labels.le)).toEqual([...ROUTE_REQUEST_BUCKETS_S.map(String), '+Inf']);
    expect(buckets.map((b) => b.value)).toEqual([6, 6, 7, 8, 8]);
    expect(sum(s, 'outbound_http_route_request_duration_seconds_count', routeLabels)).toBe(8);
    expect(sum(s, 'outbound_http_route_request_duration_seconds_sum', routeLabels)).toBeCloseTo(2.88, 6);
    // nothing of it leaks into the gRPC families
    expect(s.some((x) => x.name.startsWith('outbound_grpc_route_'))).toBe(false);
  });

  it('counts each backend of a split on its own, with backend_* labels', async () => {
    const m = new ProxyMetrics(own);
    const r = m.outboundRoute(parent, httpRoute, 'http');
    const a = r.backend(v1);
    const b = r.backend(v2);
    expect(r.backend({ ...v1 })).toBe(a); // cached
    for (let i = 0; i < 3; i++) {
      a.request();
      a.done(200, null, null, 20);
    }
    b.request();
    b.done(0, null, routeErrorFor('connect-refused'), 1);
    const s = await scrape(m);
    const back = (x: typeof v1) => ({
      ...routeLabels,
      backend_group: 'core',
      backend_kind: 'Service',
      backend_namespace: x.namespace,
      backend_name: x.name,
      backend_port: String(x.port),
    });
    expect(sum(s, 'outbound_http_route_backend_requests_total', back(v1))).toBe(3);
    expect(sum(s, 'outbound_http_route_backend_requests_total', back(v2))).toBe(1);
    expect(
      sum(s, 'outbound_http_route_backend_response_statuses_total', { ...back(v1), http_status: '200' }),
    ).toBe(3);
    expect(sum(s, 'outbound_http_route_backend_response_statuses_total', { ...back(v2), error: 'IO' })).toBe(
      1,
    );
    const buckets = s.filter(
      (x) =>
        x.name === 'outbound_http_route_backend_response_duration_seconds_bucket' &&
        x.labels.backend_name === 'catalog',
    );
    expect(buckets.map((x) => x.labels.le)).toEqual([...ROUTE_RESPONSE_BUCKETS_S.map(String), '+Inf']);
    expect(buckets.map((x) => x.value)).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
  });

  it('counts each rule of a route apart, labelled route_rule', async () => {
    const m = new ProxyMetrics(own);
    const first = m.outboundRoute(parent, httpRoute, 'http', 0);
    const second = m.outboundRoute(parent, httpRoute, 'http', 1);
    expect(second).not.toBe(first);
    expect(m.outboundRoute(parent, httpRoute, 'http', 1)).toBe(second);
    first.requestDone(200, null, null, 10);
    for (let i = 0; i < 3; i++) second.requestDone(200, null, null, 10);
    const s = await scrape(m);
    const name = 'outbound_http_route_request_statuses_total';
    expect(sum(s, name, { ...routeLabels, route_rule: '0' })).toBe(1);
    expect(sum(s, name, { ...routeLabels, route_rule: '1' })).toBe(3);
  });

  it('counts retries, retry successes, limits and overflows per route', async () => {
    const m = new ProxyMetrics(own);
    const r = m.outboundRoute(parent, httpRoute, 'http');
    r.retry();
    r.retry();
    r.retrySucceeded();
    r.retryLimitExceeded();
    r.retryOverflow();
    r.retryOverflow();
    const s = await scrape(m);
    expect(sum(s, 'outbound_http_route_retry_requests_total', routeLabels)).toBe(2);
    expect(sum(s, 'outbound_http_route_retry_successes_total', routeLabels)).toBe(1);
    expect(sum(s, 'outbound_http_route_retry_limit_exceeded_total', routeLabels)).toBe(1);
    expect(sum(s, 'outbound_http_route_retry_overflow_total', routeLabels)).toBe(2);
  });

  it('labels gRPC routes by grpc_status name in the outbound_grpc_route_* families', async () => {
    const m = new ProxyMetrics(own);
    const grpcRoute = { kind: 'GRPCRoute', namespace: 'demo', name: 'catalog-grpc' };
    const r = m.outboundRoute(parent, grpcRoute, 'grpc');
    r.requestDone(200, 0, null, 5);
    r.requestDone(200, 5, null, 5);
    r.requestDone(200, 14, null, 5);
    r.requestDone(504, null, 'REQUEST_TIMEOUT', 5);
    const s = await scrape(m);
    const name = 'outbound_grpc_route_request_statuses_total';
    const labels = { ...routeLabels, route_kind: 'GRPCRoute', route_name: 'catalog-grpc' };
    expect(sum(s, name, { ...labels, grpc_status: 'OK' })).toBe(1);
    expect(sum(s, name, { ...labels, grpc_status: 'NOT_FOUND' })).toBe(1);
    expect(sum(s, name, { ...labels, grpc_status: 'UNAVAILABLE' })).toBe(1);
    expect(sum(s, name, { ...labels, error: 'REQUEST_TIMEOUT' })).toBe(1);
    expect(s.some((x) => x.name === name && x.labels.http_status !== undefined)).toBe(false);
    expect(s.some((x) => x.name.startsWith('outbound_http_route_'))).toBe(false);
  });

  it('labels the default route without a group, and returns the same handle for the same route', () => {
    const m = new ProxyMetrics(own);
    const d = { kind: 'default', namespace: '', name: 'http' };
    expect(m.outboundRoute(parent, d, 'http')).toBe(m.outboundRoute({ ...parent }, { ...d }, 'http'));
    expect(m.outboundRoute(parent, d, 'http')).not.toBe(m.outboundRoute(parent, d, 'grpc'));
  });

  it('keeps the number of label sets bounded: routes and backends past the caps share one handle', async () => {
    const m = new ProxyMetrics(own);
    for (let i = 0; i < MAX_ROUTE_SETS + 50; i++) {
      m.outboundRoute(parent, { kind: 'HTTPRoute', namespace: 'demo', name: `r${i}` }, 'http').requestDone(
        200,
        null,
        null,
        1,
      );
    }
    const r = m.outboundRoute(parent, httpRoute, 'http');
    for (let i = 0; i < MAX_BACKENDS_PER_ROUTE + 10; i++) {
      const b = r.backend({ namespace: 'demo', name: `b${i}`, port: 80 });
      b.request();
    }
    const s = await scrape(m);
    const statuses = s.filter((x) => x.name === 'outbound_http_route_request_statuses_total');
    expect(statuses).toHaveLength(MAX_ROUTE_SETS + 1);
    expect(statuses.reduce((t, x) => t + x.value, 0)).toBe(MAX_ROUTE_SETS + 50);
    const backends = s.filter((x) => x.name === 'outbound_http_route_backend_requests_total');
    // the route itself is past the cap, so its backends are counted on the shared route too
    expect(backends.reduce((t, x) => t + x.value, 0)).toBe(MAX_BACKENDS_PER_ROUTE + 10);
    expect(backends.length).toBeLessThanOrEqual(MAX_BACKENDS_PER_ROUTE + 1);
  });
});
