// The admin server: /metrics parsed back with counts matching the requests sent (names,
// labels and buckets from @weft/shared), /ready, /live, and /shutdown from loopback.
import http from 'node:http';
import { LATENCY_BUCKETS_MS } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import {
  admin,
  parseProm,
  startTestProxy,
  startUpstream,
  sum,
  type Upstream,
  viaProxy,
} from './core-harness.ts';

let up: Upstream;
let proxy: RunningProxy;
let shutdowns = 0;

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    if (req.url === '/reset') {
      req.socket.resetAndDestroy();
      return;
    }
    res.statusCode = req.url === '/fail' ? 500 : 200;
    res.end('x');
  });
  proxy = await startTestProxy(
    {
      inbound: { ports: [{ public: 0, app: up.port }] },
      destinations: {
        'web.test:80': {
          endpoints: [
            {
              address: '127.0.0.1',
              port: up.port,
              namespace: 'prod',
              workload: 'web',
              pod: 'web-7d4f9-abcde',
            },
          ],
          service: { namespace: 'prod', name: 'web-svc' },
        },
      },
    },
    {},
    { onShutdown: () => shutdowns++ },
  );
});

afterAll(async () => {
  await proxy.drain(0);
  await up.close();
});

describe('admin', () => {
  it('counts requests and responses by the labels of docs and shared', async () => {
    for (let i = 0; i < 7; i++) await viaProxy(proxy, 'http://web.test/ok');
    for (let i = 0; i < 3; i++) await viaProxy(proxy, 'http://web.test/fail', { method: 'DELETE' });
    // inbound from a plaintext caller that claims to be shop/frontend
    const inPort = proxy.inbound[0]?.address.port as number;
    for (let i = 0; i < 4; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: inPort,
            path: '/ok',
            headers: { 'weft-src': 'shop/frontend' },
            agent: false,
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve());
          },
        );
        req.on('error', reject);
        req.end();
      });
    }
    const r = await admin(proxy, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parseProm(r.body);
    const out = {
      direction: 'outbound',
      namespace: 'test',
      deployment: 'client',
      pod: 'client-1',
      authority: 'web.test:80',
      dst_namespace: 'prod',
      dst_deployment: 'web',
      dst_service: 'web-svc',
      dst_pod: 'web-7d4f9-abcde',
      tls: 'false',
    };
    expect(sum(m, 'request_total', out)).toBe(10);
    // a 500 is not retried (only 502/503/504 are by default): 3 failures
    expect(sum(m, 'response_total', { ...out, classification: 'success', status_code: '200' })).toBe(7);
    expect(sum(m, 'response_total', { ...out, classification: 'failure', status_code: '500' })).toBe(3);
    expect(sum(m, 'response_latency_ms_count', { ...out, status_code: '200' })).toBe(7);
    const buckets = m.filter(
      (s) =>
        s.name === 'response_latency_ms_bucket' &&
        s.labels.status_code === '200' &&
        s.labels.direction === 'outbound',
    );
    expect(buckets.map((s) => s.labels.le)).toEqual([...LATENCY_BUCKETS_MS.map(String), '+Inf']);
    expect(buckets.at(-1)?.value).toBe(7);
    // inbound counts the requests, but a plaintext caller's claim names no caller
    const inb = { direction: 'inbound', tls: 'false' };
    expect(sum(m, 'request_total', inb)).toBe(4);
    expect(m.some((s) => s.labels.src_namespace === 'shop' || s.labels.src_deployment === 'frontend')).toBe(
      false,
    );
    expect(sum(m, 'response_total', { ...inb, classification: 'success' })).toBe(4);
    // connections: 14 accepted on the two listeners, all closed again by now or soon
    expect(sum(m, 'tcp_open_total', { peer: 'src' })).toBe(14);
    expect(
      sum(m, 'tcp_open_total', { direction: 'outbound', peer: 'dst', dst_deployment: 'web' }),
    ).toBeGreaterThan(0);
    expect(sum(m, 'tcp_read_bytes_total', { direction: 'outbound', peer: 'src' })).toBeGreaterThan(0);
  });

  it('serves tcp_connection_duration_ms for closed connections, both directions, in Linkerd buckets', async () => {
    await viaProxy(proxy, 'http://web.test/ok');
    const inPort = proxy.inbound[0]?.address.port as number;
    await new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: inPort, path: '/ok', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end();
    });
    // The accepted connections close with their clients (agent: false); wait for both sides to see it.
    let m = parseProm((await admin(proxy, '/metrics')).body);
    for (
      let i = 0;
      i < 40 && sum(m, 'tcp_close_total', { peer: 'src' }) < sum(m, 'tcp_open_total', { peer: 'src' }) - 1;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
      m = parseProm((await admin(proxy, '/metrics')).body);
    }
    for (const direction of ['inbound', 'outbound']) {
      const closed = sum(m, 'tcp_close_total', { direction, peer: 'src' });
      expect(closed).toBeGreaterThan(0);
      expect(sum(m, 'tcp_connection_duration_ms_count', { direction, peer: 'src' })).toBe(closed);
      const buckets = m.filter(
        (s) =>
          s.name === 'tcp_connection_duration_ms_bucket' &&
          s.labels.direction === direction &&
          s.labels.peer === 'src',
      );
      expect(buckets.map((s) => s.labels.le)).toEqual([...LATENCY_BUCKETS_MS.map(String), '+Inf']);
      expect(buckets.at(-1)?.value).toBe(closed);
      expect(sum(m, 'tcp_connection_duration_ms_sum', { direction, peer: 'src' })).toBeGreaterThan(0);
    }
    // the own labels are on the process start time Linkerd's dashboards list deployments by
    const started = m.find((s) => s.name === 'process_start_time_seconds');
    expect(started?.labels).toMatchObject({ namespace: 'test', deployment: 'client', pod: 'client-1' });
    expect(started?.value).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(started?.value).toBeLessThanOrEqual(Date.now() / 1000);
  });

  it('labels connections that ended in a socket error with their errno, as Linkerd does', async () => {
    const dst = { direction: 'outbound', peer: 'dst', dst_deployment: 'web' };
    const r = await viaProxy(proxy, 'http://web.test/reset');
    expect(r.status).toBe(502);
    let m = parseProm((await admin(proxy, '/metrics')).body);
    for (let i = 0; i < 40 && sum(m, 'tcp_close_total', { ...dst, errno: 'ECONNRESET' }) === 0; i++) {
      await new Promise((res) => setTimeout(res, 50));
      m = parseProm((await admin(proxy, '/metrics')).body);
    }
    const resets = sum(m, 'tcp_close_total', { ...dst, errno: 'ECONNRESET' });
    // the first attempt met a reset (and so did any retry)
    expect(resets).toBeGreaterThanOrEqual(1);
    expect(sum(m, 'tcp_connection_duration_ms_count', { ...dst, errno: 'ECONNRESET' })).toBe(resets);
    const series = m.find((x) => x.name === 'tcp_close_total' && x.labels.errno === 'ECONNRESET');
    expect(series?.labels).toMatchObject({
      dst_service: 'web-svc',
      dst_pod: 'web-7d4f9-abcde',
      tls: 'false',
    });
  });

  it('answers /ready, /live, and /shutdown (POST from loopback)', async () => {
    expect((await admin(proxy, '/ready')).status).toBe(200);
    expect((await admin(proxy, '/live')).status).toBe(200);
    expect((await admin(proxy, '/shutdown')).status).toBe(405);
    expect(shutdowns).toBe(0);
    expect((await admin(proxy, '/shutdown', 'POST')).status).toBe(202);
    expect(shutdowns).toBe(1);
    expect((await admin(proxy, '/nope')).status).toBe(404);
  });
});
