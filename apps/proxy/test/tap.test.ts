// Live tap on the admin port: a real proxy in front of real upstreams on loopback, read
// through GET /tap (server-sent events) as the controller and the CLI read it.
import { TAP_MAX_CONCURRENT } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { startTestProxy, startUpstream, type Upstream, viaProxy } from './core-harness.ts';
import { outboundPolicy } from './policy-harness.ts';
import { openTap, type TapReader } from './tap-client.ts';

let web: Upstream;
let flaky: Upstream;
let flakyCalls = 0;
let proxy: RunningProxy;
const readers: TapReader[] = [];

async function tap(query = '', headers: Record<string, string> = {}): Promise<TapReader> {
  const r = await openTap(proxy.admin, query, headers);
  readers.push(r);
  return r;
}

beforeAll(async () => {
  web = await startUpstream((req, res) => {
    req.resume();
    res.statusCode = req.url?.includes('fail') ? 500 : 200;
    res.end('ok');
  });
  // answers 503 to every other request: the first attempt fails, the retry succeeds
  flaky = await startUpstream((req, res) => {
    req.resume();
    res.statusCode = flakyCalls++ % 2 === 0 ? 503 : 200;
    res.end();
  });
  const policy = outboundPolicy('web.test:80', [
    { name: 'api', matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [], queryParams: [] }] },
    {
      name: 'faulty',
      matches: [{ path: { type: 'PathPrefix', value: '/fault' }, headers: [], queryParams: [] }],
      fault: {
        source: { kind: 'HTTPFault', namespace: 'test', name: 'all' },
        abort: { percent: 100, httpStatus: 503 },
      },
    },
    {
      name: 'timed',
      matches: [{ path: { type: 'PathPrefix', value: '/timed' }, headers: [], queryParams: [] }],
      timeouts: { requestMs: 2000, backendRequestMs: 1000 },
    },
    { name: 'rest', matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }] },
  ]);
  proxy = await startTestProxy({
    destinations: {
      'web.test:80': {
        endpoints: [{ address: '127.0.0.1', port: web.port, namespace: 'shop', workload: 'web' }],
      },
      'flaky.test:80': {
        endpoints: [{ address: '127.0.0.1', port: flaky.port, namespace: 'shop', workload: 'flaky' }],
      },
    },
    policies: [policy],
  });
});

afterAll(async () => {
  for (const r of readers) r.close();
  await proxy?.drain(500);
  await web?.close();
  await flaky?.close();
});

describe('tap events', () => {
  it('name the route matched, the endpoint picked and both workloads; safe header values only', async () => {
    const t = await tap();
    expect(t.status).toBe(200);
    const r = await viaProxy(proxy, 'http://web.test/api/items', {
      headers: {
        authorization: 'Bearer very-secret-token',
        cookie: 'session=cookie-secret',
        'user-agent': 'tap-test/1',
        'content-type': 'text/plain',
      },
    });
    expect(r.status).toBe(200);
    await t.waitFor(1);
    const e = t.events[0];
    expect(e).toMatchObject({
      direction: 'outbound',
      proxy: 'test/client/client-1',
      method: 'GET',
      authority: 'web.test',
      path: '/api/items',
      status: 200,
      route: 'HTTPRoute test/api',
      backend: 'web.test:80',
      backendService: 'test/web:80',
      endpoint: `127.0.0.1:${web.port}`,
      source: { namespace: 'test', workload: 'client' },
      destination: { namespace: 'shop', workload: 'web' },
      retries: 0,
      fault: null,
      proxyError: null,
      authorization: null,
    });
    expect(e?.attempts).toEqual([
      {
        endpoint: `127.0.0.1:${web.port}`,
        pick: {
          reason: 'only-endpoint',
          candidates: [expect.objectContaining({ endpoint: `127.0.0.1:${web.port}`, pending: 0 })],
        },
        status: 200,
        grpcStatus: null,
        error: null,
      },
    ]);
    expect(e?.routeMatch).toBe('PathPrefix /api');
    expect(e?.latencyMs).toBeGreaterThan(0);
    expect(e?.headers).toContainEqual({ name: 'user-agent', value: 'tap-test/1' });
    expect(e?.headers).toContainEqual({ name: 'content-type', value: 'text/plain' });
    expect(e?.headers).toContainEqual({ name: 'authorization' });
    expect(e?.headers).toContainEqual({ name: 'cookie' });
    const raw = JSON.stringify(t.events);
    expect(raw).not.toContain('very-secret-token');
    expect(raw).not.toContain('cookie-secret');
    t.close();
  });

  it('show each attempt of a retried request', async () => {
    const t = await tap('authority=flaky.test');
    const r = await viaProxy(proxy, 'http://flaky.test/again');
    expect(r.status).toBe(200);
    await t.waitFor(1);
    const e = t.events[0];
    expect(e?.status).toBe(200);
    expect(e?.retries).toBe(1);
    expect(e?.attempts.map((a) => a.status)).toEqual([503, 200]);
    expect(e?.attempts.every((a) => a.endpoint === `127.0.0.1:${flaky.port}`)).toBe(true);
    t.close();
  });

  it('name the fault injected and the timeouts applied', async () => {
    const t = await tap('authority=web.test');
    const faulted = await viaProxy(proxy, 'http://web.test/fault/now');
    expect(faulted.status).toBe(503);
    expect((await viaProxy(proxy, 'http://web.test/timed/x')).status).toBe(200);
    await t.waitFor(2);
    const [f, timed] = t.events;
    expect(f).toMatchObject({
      route: 'HTTPRoute test/faulty',
      status: 503,
      fault: { status: 503, grpcStatus: null },
      proxyError: 'fault-injected',
      endpoint: null,
      attempts: [],
    });
    expect(timed).toMatchObject({
      route: 'HTTPRoute test/timed',
      status: 200,
      timeoutMs: 2000,
      attemptTimeoutMs: 1000,
      fault: null,
    });
    t.close();
  });
});

describe('tap filters', () => {
  it('pass only what matches path prefix, method, status class and destination', async () => {
    const byPath = await tap('pathPrefix=/keep&method=post&statusClass=2xx&toWorkload=web&toNamespace=shop');
    const byFailure = await tap('statusClass=5xx&authority=web.test');
    const bySource = await tap('namespace=elsewhere');
    await viaProxy(proxy, 'http://web.test/other');
    await viaProxy(proxy, 'http://web.test/keep/1');
    await viaProxy(proxy, 'http://web.test/keep/2', { method: 'POST', body: 'x' });
    await viaProxy(proxy, 'http://web.test/keep/fail', { method: 'POST', body: 'x' });
    await viaProxy(proxy, 'http://flaky.test/keep/3', { method: 'POST', body: 'x' });
    await byPath.waitFor(1);
    await byFailure.waitFor(1);
    // a request after the others proves nothing more was on its way
    const last = await tap('pathPrefix=/last');
    await viaProxy(proxy, 'http://web.test/last');
    await last.waitFor(1);
    expect(byPath.events.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(['POST /keep/2 200']);
    expect(byFailure.events.map((e) => `${e.path} ${e.status}`)).toEqual(['/keep/fail 500']);
    expect(bySource.events).toEqual([]);
    for (const t of [byPath, byFailure, bySource, last]) t.close();
  });

  it('refuses a bad filter, naming the field', async () => {
    const bad = await tap('statusClass=9xx');
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('statusClass');
    const unknown = await tap('colour=red');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('colour');
  });

  it('refuses requests from web pages', async () => {
    const t = await tap('', { origin: 'http://evil.example' });
    expect(t.status).toBe(403);
  });
});

describe('tap bounds', () => {
  it('gives a tap at most its maxRps events per second', async () => {
    const limited = await tap('maxRps=5&pathPrefix=/burst');
    const full = await tap('pathPrefix=/burst');
    const started = Date.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => viaProxy(proxy, `http://web.test/burst/${i}`)));
    await full.waitFor(40);
    const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
    expect(full.events.length).toBe(40);
    expect(limited.events.length).toBeGreaterThanOrEqual(5);
    expect(limited.events.length).toBeLessThanOrEqual(5 * seconds);
    expect(limited.events.length).toBeLessThan(40);
    limited.close();
    full.close();
  });

  it(`serves at most ${TAP_MAX_CONCURRENT} taps at once`, async () => {
    const open: TapReader[] = [];
    for (let i = 0; i < TAP_MAX_CONCURRENT; i++) {
      // taps closed by the tests before are let go once the proxy sees their sockets close
      let t = await tap();
      for (let k = 0; k < 50 && t.status !== 200; k++) {
        await new Promise((r) => setTimeout(r, 20));
        t = await tap();
      }
      expect(t.status).toBe(200);
      open.push(t);
    }
    const refused = await tap();
    expect(refused.status).toBe(503);
    expect(refused.body).toContain(`at most ${TAP_MAX_CONCURRENT}`);
    open[0]?.close();
    // the proxy notices the closed tap when its socket closes
    let again = await tap();
    for (let i = 0; i < 50 && again.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      again = await tap();
    }
    expect(again.status).toBe(200);
    for (const t of open) t.close();
    again.close();
  });
});
