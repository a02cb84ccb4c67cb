// A static config may carry whole OutboundPolicy and InboundPolicy objects, enforced like
// the controller's.
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
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
import { outboundPolicy } from './policy-harness.ts';

let app: Upstream;
let proxy: RunningProxy;

beforeAll(async () => {
  app = await startUpstream((req, res) => res.end(`app saw ${req.headers['x-from-policy'] ?? 'nothing'}`));
  const policy = outboundPolicy('web.test:80', [
    {
      matches: [{ path: { type: 'Exact', value: '/gone' }, headers: [], queryParams: [] }],
      redirect: { statusCode: 308, path: { type: 'ReplaceFullPath', value: '/here' } },
    },
    {
      matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [], queryParams: [] }],
      requestHeaders: { set: [{ name: 'x-from-policy', value: 'api' }], add: [], remove: [] },
    },
  ]);
  proxy = await startTestProxy({
    destinations: { 'web.test:80': { endpoints: [{ address: '127.0.0.1', port: app.port }] } },
    policies: [policy],
    inbound: { ports: [{ public: 0, app: app.port }] },
    inboundPolicies: [
      {
        revision: 0,
        workload: { namespace: 'test', name: 'web' },
        port: app.port,
        authz: {
          serverKind: 'server',
          serverName: 'web-http',
          rules: [
            {
              kind: 'AuthorizationPolicy',
              namespace: 'test',
              name: 'local-only',
              networks: [{ cidr: '127.0.0.0/8', except: ['127.0.7.0/24'] }],
            },
          ],
        },
      },
    ],
  });
});

afterAll(async () => {
  await proxy?.drain(500);
  await app?.close();
});

it('enforces a policy from the static config: redirect, header filter, and 404 when no route matches', async () => {
  const gone = await viaProxy(proxy, 'http://web.test/gone');
  expect(gone.status).toBe(308);
  expect(gone.headers.location).toBe('http://web.test/here');
  expect((await viaProxy(proxy, 'http://web.test/api/x')).body).toBe('app saw api');
  const none = await viaProxy(proxy, 'http://web.test/other');
  expect(none.status).toBe(404);
  expect(none.headers['weft-proxy-error']).toBe('no-route');
});

it('enforces an inbound policy from the static config on its app port', async () => {
  const port = (proxy.inbound[0] as { address: { port: number } }).address.port;
  const status = (from: string) =>
    new Promise<number>((resolve) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', localAddress: from, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', () => resolve(0));
    });
  expect(await status('127.0.6.1')).toBe(200);
  expect(await status('127.0.7.1')).toBe(403);
  const metrics = parseProm((await admin(proxy, '/metrics')).body);
  expect(
    sum(metrics, 'inbound_http_authz_allow_total', { srv_name: 'web-http', authz_name: 'local-only' }),
  ).toBe(1);
  expect(sum(metrics, 'inbound_http_authz_deny_total', { srv_name: 'web-http' })).toBe(1);
});
