import { describe, expect, it } from 'vitest';
import type { TapEvent } from './tap.ts';
import { explainTap, TapTop, tapCommand } from './tap-explain.ts';

const base: TapEvent = {
  proxy: 'demo/web/web-1',
  direction: 'outbound',
  at: 1000,
  source: { namespace: 'demo', workload: 'web' },
  destination: { namespace: 'demo', workload: 'api' },
  method: 'GET',
  authority: 'api.demo',
  path: '/items?x=1',
  status: 200,
  grpcStatus: null,
  latencyMs: 12,
  requestBytes: 0,
  clientIdentity: null,
  serverIdentity: 'api.demo.serviceaccount.identity.weft.cluster.local',
  route: 'HTTPRoute demo/api',
  routeRule: 0,
  routeMatch: 'PathPrefix /items',
  backend: '127.20.0.1:80',
  backendService: 'demo/api:80',
  endpoint: '127.10.0.2:8080',
  attempts: [
    {
      endpoint: '127.10.0.2:8080',
      pick: {
        reason: 'lower-cost',
        candidates: [
          { endpoint: '127.10.0.2:8080', ewmaMs: 4, pending: 0, cost: 4 },
          { endpoint: '127.10.0.3:8080', ewmaMs: 9, pending: 1, cost: 18 },
        ],
      },
      status: 200,
      grpcStatus: null,
      error: null,
    },
  ],
  retries: 0,
  timeoutMs: null,
  attemptTimeoutMs: null,
  fault: null,
  proxyError: null,
  authorization: null,
  headers: [],
};

const text = (e: TapEvent) =>
  Object.fromEntries(explainTap(e).map((s) => [s.title, s.lines.join(' ')])) as Record<string, string>;

describe('explainTap', () => {
  it('names the route, the winning match, the endpoint and both EWMA costs', () => {
    const t = text(base);
    expect(t.Route).toContain('Matched HTTPRoute demo/api (rule 1)');
    expect(t.Route).toContain('PathPrefix /items');
    expect(t['Backend and endpoint']).toContain('backend Service demo/api:80 (127.20.0.1:80)');
    expect(t['Backend and endpoint']).toMatch(
      /127\.10\.0\.2:8080 \(latency estimate 4\.00 ms.*cost 4\.00\) over 127\.10\.0\.3:8080 .*cost 18\.00/,
    );
    expect(t.mTLS).toBe('Sent over mTLS to api.demo.serviceaccount.identity.weft.cluster.local.');
    const both = text({ ...base, clientIdentity: 'web.demo.serviceaccount.identity.weft.cluster.local' });
    expect(both.mTLS).toBe(
      'Sent over mTLS to api.demo.serviceaccount.identity.weft.cluster.local, proving this side as web.demo.serviceaccount.identity.weft.cluster.local.',
    );
  });

  it('explains a denial by the Server and the policies the caller failed', () => {
    const t = text({
      ...base,
      direction: 'inbound',
      status: 403,
      proxyError: 'unauthorized',
      authorization: {
        allowed: false,
        policy: null,
        server: 'Server api-http',
        policies: ['AuthorizationPolicy demo/api-from-web'],
      },
    });
    expect(t.Authorization).toBe(
      'Denied (403) by Server api-http: the caller matched none of AuthorizationPolicy demo/api-from-web.',
    );
  });

  it('lists each attempt of a retried request with its outcome', () => {
    const t = text({
      ...base,
      retries: 1,
      attempts: [
        { endpoint: '127.10.0.3:8080', status: 503, grpcStatus: null, error: null },
        { endpoint: '127.10.0.2:8080', status: 200, grpcStatus: null, error: null },
      ],
    });
    expect(t['Retries and timeouts']).toContain('2 attempts (1 retry)');
    expect(t['Retries and timeouts']).toContain('Attempt 1 to 127.10.0.3:8080: answered 503.');
    expect(t['Retries and timeouts']).toContain('Attempt 2 to 127.10.0.2:8080: answered 200.');
  });
});

describe('tapCommand', () => {
  it('spells the filter as weft tap flags, quoting what needs it', () => {
    expect(
      tapCommand({
        namespace: 'demo',
        workload: 'web',
        pathPrefix: '/a b',
        statusClass: '5xx',
        method: 'get',
      }),
    ).toBe("weft tap web -n demo --method GET --path '/a b' --status 5xx");
    expect(tapCommand({}, 'top')).toBe('weft top');
  });
});

describe('TapTop', () => {
  it('groups by method and path without the query, with best, worst, last and successes', () => {
    const top = new TapTop();
    top.add({ ...base, latencyMs: 5 });
    top.add({ ...base, path: '/items?y=2', latencyMs: 50, status: 500, at: 2000 });
    top.add({ ...base, latencyMs: 20, at: 3000 });
    top.add({ ...base, path: '/other', at: 4000 });
    const [items, other] = top.list();
    expect(items).toMatchObject({
      method: 'GET',
      path: '/items',
      count: 3,
      successes: 2,
      bestMs: 5,
      worstMs: 50,
      lastMs: 20,
    });
    expect(other).toMatchObject({ path: '/other', count: 1 });
  });
});
