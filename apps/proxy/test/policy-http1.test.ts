// Traffic policy from a (fake) controller enforced by a real proxy on HTTP/1: splits,
// header matches, filters, timeouts, retries and faults (failure accrual: policy-accrual.test.ts), with real
// upstream servers on loopback, each policy streamed over `policy.watch`.
import type { IncomingMessage, ServerResponse } from 'node:http';
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
import { ep, FakeController } from './fake-controller.ts';
import { answerWithName, applyHttpPolicy, backend, many, outboundPolicy } from './policy-harness.ts';

const fake = new FakeController();
const ups: Upstream[] = [];
let proxy: RunningProxy;
const pathHits = new Map<string, number>();
/** Requests the slow upstream saw closed before it answered (given up by the proxy), by path. */
const givenUp = new Map<string, number>();

async function up(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Upstream> {
  const u = await startUpstream(handler);
  ups.push(u);
  return u;
}

const apply = (policy: Parameters<FakeController['setPolicy']>[0]) => applyHttpPolicy(fake, proxy, policy);

let flaky: Upstream;

beforeAll(async () => {
  await fake.start();
  const v1 = await up(answerWithName('v1'));
  const v2 = await up(answerWithName('v2'));
  let alternate = 0;
  const slow = await up((req, res) => {
    // /every-other: the first attempt of each pair hangs, the next answers at once
    const delay = req.url?.startsWith('/slow')
      ? 1000
      : req.url?.startsWith('/every-other') && alternate++ % 2 === 0
        ? 1000
        : 0;
    const timer = setTimeout(() => res.end(delay > 0 ? 'late' : 'fast'), delay);
    res.on('close', () => {
      if (res.writableEnded) return;
      clearTimeout(timer);
      givenUp.set(req.url ?? '', (givenUp.get(req.url ?? '') ?? 0) + 1);
    });
  });
  flaky = await up((req, res) => {
    const path = req.url ?? '';
    pathHits.set(path, (pathHits.get(path) ?? 0) + 1);
    req.resume();
    req.on('end', () => {
      res.statusCode = path.startsWith('/always-503') || Math.random() < 0.3 ? 503 : 200;
      res.end();
    });
  });
  fake.set('web.test:80', [ep(v1.port, 'web')]);
  fake.set('web-v2.test:80', [ep(v2.port, 'web-v2')]);
  fake.set('slow.test:80', [ep(slow.port, 'slow')]);
  fake.set('flaky.test:80', [ep(flaky.port, 'flaky')]);
  fake.set('fault.test:80', [ep(v1.port, 'web')]);
  proxy = await startTestProxy(
    {},
    { WEFT_PROXY_CONTROLLER_URL: fake.url },
    // a budget of half the requests: the 30%-failing backend needs more than the default 20%
    { retryBudget: { ratio: 0.5, minPerSecond: 10, ttlSeconds: 10 }, backoffMinMs: 50, backoffMaxMs: 200 },
  );
});

afterAll(async () => {
  await proxy?.drain(500);
  await fake.stop();
  await Promise.all(ups.map((u) => u.close()));
});

describe('routes and splits', () => {
  it('holds a 90/10 split within ±3 points over 2,000 requests', async () => {
    await apply(
      outboundPolicy(
        'web.test:80',
        [{ backends: [backend('web.test:80', 90), backend('web-v2.test:80', 10)] }],
        1,
      ),
    );
    const replies = await many(proxy, 2000, () => 'http://web.test/split');
    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    const v2 = replies.filter((r) => r.body === 'v2').length / replies.length;
    expect(v2).toBeGreaterThanOrEqual(0.07);
    expect(v2).toBeLessThanOrEqual(0.13);
  });

  it('sends requests that match a header to its backend, the others to the next rule', async () => {
    await apply(
      outboundPolicy(
        'web.test:80',
        [
          {
            matches: [{ headers: [{ name: 'x-canary', type: 'Exact', value: 'yes' }], queryParams: [] }],
            backends: [backend('web-v2.test:80', 1)],
          },
          { backends: [backend('web.test:80', 1)] },
        ],
        2,
      ),
    );
    const canary = await many(
      proxy,
      30,
      () => 'http://web.test/',
      () => ({ headers: { 'x-canary': 'yes' } }),
    );
    const plain = await many(proxy, 30, () => 'http://web.test/');
    expect(canary.map((r) => r.body)).toEqual(Array(30).fill('v2'));
    expect(plain.map((r) => r.body)).toEqual(Array(30).fill('v1'));
  });

  it('applies request and response header modifiers, and answers redirects', async () => {
    await apply(
      outboundPolicy(
        'web.test:80',
        [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/old' }, headers: [], queryParams: [] }],
            redirect: { statusCode: 301, path: { type: 'ReplacePrefixMatch', value: '/new' } },
          },
          {
            requestHeaders: { set: [{ name: 'x-added', value: 'yes' }], add: [], remove: ['x-drop'] },
            responseHeaders: { set: [], add: [{ name: 'x-resp', value: 'from-route' }], remove: [] },
          },
        ],
        3,
      ),
    );
    const moved = await viaProxy(proxy, 'http://web.test/old/page?q=1');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('http://web.test/new/page?q=1');
    const r = await viaProxy(proxy, 'http://web.test/', { headers: { 'x-drop': 'please' } });
    expect(r.status).toBe(200);
    expect(r.headers['x-saw-added']).toBe('yes');
    expect(r.headers['x-saw-drop']).toBeUndefined();
    expect(r.headers['x-resp']).toBe('from-route');
  });
});

describe('timeouts and retries', () => {
  it('answers 504 request-timeout at the route timeout, before the backend answers, and only on that route', async () => {
    await apply(
      outboundPolicy(
        'slow.test:80',
        [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/slow' }, headers: [], queryParams: [] }],
            timeouts: { requestMs: 200 },
          },
          {},
        ],
        4,
      ),
    );
    const t0 = performance.now();
    const r = await viaProxy(proxy, 'http://slow.test/slow');
    const elapsed = performance.now() - t0;
    expect(r.status).toBe(504);
    expect(r.headers['weft-proxy-error']).toBe('request-timeout');
    // the route timeout was waited for, and the proxy gave the request up before the
    // backend answered it (at 1 s): the backend saw it closed, unanswered
    expect(elapsed).toBeGreaterThanOrEqual(195);
    await expect.poll(() => givenUp.get('/slow'), { timeout: 5000 }).toBe(1);
    expect((await viaProxy(proxy, 'http://slow.test/fast')).status).toBe(200);
  });

  it('gives up an attempt at the backend timeout and retries it on time', async () => {
    await apply(
      outboundPolicy(
        'slow.test:80',
        [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/every-other' }, headers: [], queryParams: [] }],
            timeouts: { backendRequestMs: 150, requestMs: 2000 },
            retry: { httpStatuses: [], grpcCodes: [], limit: 2 },
          },
          {},
        ],
        5,
      ),
    );
    const retries = async () =>
      sum(parseProm((await admin(proxy, '/metrics')).body), 'outbound_http_route_retry_requests_total', {
        parent_name: 'slow',
        route_name: 'route-0',
      });
    const retriesBefore = await retries();
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await viaProxy(proxy, 'http://slow.test/every-other');
      // the answer is the retry's: the first attempt (answered only after 1 s) was given
      // up once its 150 ms had passed, and the backend saw it closed unanswered
      expect(r.status).toBe(200);
      expect(r.body).toBe('fast');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
      await expect.poll(() => givenUp.get('/every-other'), { timeout: 5000 }).toBe(i + 1);
    }
    expect((await retries()) - retriesBefore).toBe(3);
  });

  it('lifts a backend failing 30% of requests to at least 99% success with retries', async () => {
    await apply(
      outboundPolicy(
        'flaky.test:80',
        [{ retry: { httpStatuses: [{ min: 500, max: 599 }], grpcCodes: [], limit: 4 } }],
        6,
      ),
    );
    const before = pathHits.get('/get') ?? 0;
    const replies = await many(proxy, 1000, () => 'http://flaky.test/get');
    const ok = replies.filter((r) => r.status === 200).length;
    expect(ok / 1000).toBeGreaterThanOrEqual(0.99);
    // the backend really failed: retries were sent
    expect((pathHits.get('/get') ?? 0) - before).toBeGreaterThan(1200);
    // and the route's Linkerd families say so
    const samples = parseProm((await admin(proxy, '/metrics')).body);
    const route = { parent_name: 'flaky', route_name: 'route-0' };
    expect(sum(samples, 'outbound_http_route_retry_requests_total', route)).toBeGreaterThan(200);
    expect(sum(samples, 'outbound_http_route_retry_successes_total', route)).toBeGreaterThan(200);
    expect(
      sum(samples, 'outbound_http_route_request_statuses_total', { ...route, http_status: '200' }),
    ).toBeGreaterThanOrEqual(990);
    expect(
      sum(samples, 'outbound_http_route_backend_response_statuses_total', { ...route, http_status: '503' }),
    ).toBeGreaterThan(200);
  });

  it('never retries a POST whose body outgrew the retry buffer, and retries a small one', async () => {
    const big = 'x'.repeat(100 * 1024);
    const r = await viaProxy(proxy, 'http://flaky.test/always-503-big', { method: 'POST', body: big });
    expect(r.status).toBe(503);
    expect(r.headers['weft-proxy-error']).toBeUndefined();
    expect(pathHits.get('/always-503-big')).toBe(1);
    const small = await viaProxy(proxy, 'http://flaky.test/always-503-small', { method: 'POST', body: 'hi' });
    expect(small.status).toBe(503);
    expect(pathHits.get('/always-503-small')).toBe(5); // the first attempt and 4 retries
  });
});

describe('faults', () => {
  it('aborts the configured share with the configured status', async () => {
    const source = { kind: 'HTTPFault', namespace: 'test', name: 'half' };
    await apply(
      outboundPolicy('fault.test:80', [{ fault: { source, abort: { percent: 50, httpStatus: 503 } } }], 9),
    );
    const replies = await many(proxy, 400, () => 'http://fault.test/');
    const aborted = replies.filter(
      (r) => r.status === 503 && r.headers['weft-proxy-error'] === 'fault-injected',
    );
    expect(aborted.length + replies.filter((r) => r.status === 200).length).toBe(400);
    expect(aborted.length / 400).toBeGreaterThan(0.42);
    expect(aborted.length / 400).toBeLessThan(0.58);
  });

  it('delays the configured share', async () => {
    const source = { kind: 'HTTPFault', namespace: 'test', name: 'slow' };
    await apply(
      outboundPolicy('fault.test:80', [{ fault: { source, delay: { percent: 100, ms: 150 } } }], 10),
    );
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await viaProxy(proxy, 'http://fault.test/');
      expect(r.status).toBe(200);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    }
  });
});
