// A static config may carry whole OutboundPolicy objects, enforced like the controller's.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { startTestProxy, startUpstream, type Upstream, viaProxy } from './core-harness.ts';
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
