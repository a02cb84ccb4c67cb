// What a tap event explains, with real proxies on loopback: an inbound request denied by
// the port's authorization names the Server and the AuthorizationPolicy it failed, an
// allowed one names the policy that let it in; an outbound request shows the two
// endpoints the balancer compared (peak-EWMA costs) and the route match that won.
import http from 'node:http';
import type { InboundAuthzPlan } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { startTestProxy, startUpstream, type Upstream, viaProxy } from './core-harness.ts';
import { FakeController } from './fake-controller.ts';
import { outboundPolicy, policyRevision, waitFor } from './policy-harness.ts';
import { openTap, type TapReader } from './tap-client.ts';

const fake = new FakeController();
let app: Upstream;
let a: Upstream;
let b: Upstream;
let inbound: RunningProxy;
let outbound: RunningProxy;
let port = 0;
const readers: TapReader[] = [];

beforeAll(async () => {
  await fake.start();
  app = await startUpstream((req, res) => {
    req.resume();
    res.end('app');
  });
  a = await startUpstream((req, res) => {
    req.resume();
    res.end('a');
  });
  b = await startUpstream((req, res) => {
    req.resume();
    res.end('b');
  });
  inbound = await startTestProxy(
    { inbound: { ports: [{ public: 0, app: app.port }] } },
    { WEFT_PROXY_CONTROLLER_URL: fake.url, WEFT_PROXY_WORKLOAD: 'api' },
    { backoffMinMs: 50, backoffMaxMs: 200 },
  );
  port = (inbound.inbound[0] as { address: { port: number } }).address.port;
  const authz: InboundAuthzPlan = {
    serverKind: 'server',
    serverName: 'api-http',
    protocol: 'unknown',
    audit: false,
    routes: [],
    rules: [
      {
        kind: 'AuthorizationPolicy',
        namespace: 'test',
        name: 'api-from-frontend',
        identities: null,
        networks: [{ cidr: '127.0.5.0/24', except: [] }],
      },
    ],
  };
  fake.setInbound({ revision: 1, workload: { namespace: 'test', name: 'api' }, port: app.port, authz });
  await waitFor(async () => (await policyRevision(inbound)) === 1, 5000, 'revision 1');

  outbound = await startTestProxy({
    destinations: {
      'pair.test:80': {
        endpoints: [
          { address: '127.0.0.1', port: a.port, namespace: 'shop', workload: 'pair' },
          { address: '127.0.0.1', port: b.port, namespace: 'shop', workload: 'pair' },
        ],
      },
    },
    policies: [
      outboundPolicy('pair.test:80', [
        {
          name: 'orders',
          matches: [
            { path: { type: 'Exact', value: '/nope' }, headers: [], queryParams: [] },
            { path: { type: 'PathPrefix', value: '/orders' }, method: 'POST', headers: [], queryParams: [] },
          ],
        },
        {
          name: 'rest',
          matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }],
        },
      ]),
    ],
  });
});

afterAll(async () => {
  for (const r of readers) r.close();
  await inbound?.drain(500);
  await outbound?.drain(500);
  await fake.stop();
  for (const u of [app, a, b]) await u?.close();
});

async function tap(proxy: RunningProxy, query = ''): Promise<TapReader> {
  const r = await openTap(proxy.admin, query);
  readers.push(r);
  expect(r.status).toBe(200);
  return r;
}

function get(from: string) {
  return new Promise<number>((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/secret', localAddress: from, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
  });
}

describe('tap explains authorization', () => {
  it('names the policy a denied caller failed, and the one that let an allowed caller in', async () => {
    const t = await tap(inbound, 'pathPrefix=/secret');
    expect(await get('127.0.9.9')).toBe(403);
    expect(await get('127.0.5.5')).toBe(200);
    await t.waitFor(2);
    const [denied, allowed] = t.events;
    expect(denied).toMatchObject({
      direction: 'inbound',
      status: 403,
      proxyError: 'unauthorized',
      authorization: {
        allowed: false,
        policy: null,
        server: 'Server api-http',
        policies: ['AuthorizationPolicy test/api-from-frontend'],
        audit: false,
      },
    });
    expect(allowed).toMatchObject({
      status: 200,
      authorization: { allowed: true, policy: 'AuthorizationPolicy test/api-from-frontend' },
    });
  });
});

describe('tap explains routing and balancing', () => {
  it('names the match that won and the two endpoints the balancer compared', async () => {
    const t = await tap(outbound, 'authority=pair.test');
    const r = await viaProxy(outbound, 'http://pair.test/orders/7', { method: 'POST', body: 'x' });
    expect(r.status).toBe(200);
    await t.waitFor(1);
    const e = t.events[0];
    expect(e).toMatchObject({
      route: 'HTTPRoute test/orders',
      routeMatch: 'PathPrefix /orders, method POST',
    });
    expect(e?.attempts).toHaveLength(1);
    const pick = e?.attempts[0]?.pick;
    expect(pick?.reason).toBe('lower-cost');
    const eps = [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`];
    expect(pick?.candidates.map((c) => c.endpoint).sort()).toEqual(eps.sort());
    // the chosen endpoint comes first and is the one the attempt went to, at the lower cost
    const [chosen, other] = pick?.candidates ?? [];
    expect(chosen?.endpoint).toBe(e?.endpoint);
    expect(chosen?.cost).toBeLessThanOrEqual(other?.cost ?? 0);
    expect(chosen?.ewmaMs).toBeGreaterThan(0);
  });
});
