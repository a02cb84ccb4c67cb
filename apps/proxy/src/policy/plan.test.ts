import { OutboundPolicy, type RoutePlan } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ProxyPolicyError } from './error.ts';
import { compileOutbound, type OutboundPlan } from './plan.ts';
import type { RequestView } from './request-view.ts';

/** A request as a driver would present it. */
class Req implements RequestView {
  private readonly headers: Map<string, string>;
  constructor(
    readonly path: string,
    readonly method = 'GET',
    headers: Record<string, string> = {},
  ) {
    this.headers = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  }
  header(lowerName: string): string | undefined {
    return this.headers.get(lowerName);
  }
}

type RouteInput = Omit<Partial<z.input<typeof RoutePlan>>, 'source'> & { name: string };

function plan(routes: RouteInput[], protocol: 'http' | 'grpc' = 'http'): OutboundPlan {
  return compileOutbound(
    OutboundPolicy.parse({
      revision: 3,
      authority: 'web.demo.svc.cluster.local:8080',
      service: { namespace: 'demo', name: 'web', port: 8080 },
      protocol,
      routes: routes.map(({ name, ...r }) => ({
        source: { kind: 'HTTPRoute', namespace: 'demo', name },
        ...r,
      })),
    }),
  );
}

/** The name of the route a request lands on, or null. */
function routeOf(p: OutboundPlan, req: RequestView): string | null {
  return p.match(req)?.source.name ?? null;
}

describe('OutboundPlan.match: paths', () => {
  const p = plan([
    { name: 'exact', matches: [{ path: { type: 'Exact', value: '/login' } }] },
    { name: 'prefix', matches: [{ path: { type: 'PathPrefix', value: '/foo' } }] },
    { name: 'prefix-slash', matches: [{ path: { type: 'PathPrefix', value: '/bar/' } }] },
    { name: 'regex', matches: [{ path: { type: 'RegularExpression', value: '/items/[0-9]+' } }] },
  ]);

  it('Exact matches the whole path, ignoring the query, case-sensitively', () => {
    expect(routeOf(p, new Req('/login'))).toBe('exact');
    expect(routeOf(p, new Req('/login?next=/home'))).toBe('exact');
    expect(routeOf(p, new Req('/login/'))).toBeNull();
    expect(routeOf(p, new Req('/Login'))).toBeNull();
    expect(routeOf(p, new Req('/logins'))).toBeNull();
  });

  it('PathPrefix matches whole path elements', () => {
    for (const path of ['/foo', '/foo/', '/foo/bar', '/foo?x=1', '/foo/bar/baz?y']) {
      expect(routeOf(p, new Req(path)), path).toBe('prefix');
    }
    expect(routeOf(p, new Req('/foobar'))).toBeNull();
    expect(routeOf(p, new Req('/fo'))).toBeNull();
  });

  it('ignores a trailing slash on the prefix', () => {
    expect(routeOf(p, new Req('/bar'))).toBe('prefix-slash');
    expect(routeOf(p, new Req('/bar/x'))).toBe('prefix-slash');
    expect(routeOf(p, new Req('/barx'))).toBeNull();
  });

  it('RegularExpression must match the whole path without the query', () => {
    expect(routeOf(p, new Req('/items/42'))).toBe('regex');
    expect(routeOf(p, new Req('/items/42?full=1'))).toBe('regex');
    expect(routeOf(p, new Req('/items/42/parts'))).toBeNull();
    expect(routeOf(p, new Req('/x/items/42'))).toBeNull();
  });

  it('a prefix of / matches every path', () => {
    const all = plan([{ name: 'root', matches: [{ path: { type: 'PathPrefix', value: '/' } }] }]);
    expect(routeOf(all, new Req('/'))).toBe('root');
    expect(routeOf(all, new Req('/anything/at/all?q'))).toBe('root');
  });
});

describe('OutboundPlan.match: headers, query, method', () => {
  const p = plan([
    { name: 'canary', matches: [{ headers: [{ name: 'x-canary', type: 'Exact', value: 'true' }] }] },
    {
      name: 'version',
      matches: [{ headers: [{ name: 'X-Version', type: 'RegularExpression', value: 'v[23]' }] }],
    },
    { name: 'query', matches: [{ queryParams: [{ name: 'debug', type: 'Exact', value: '1' }] }] },
    {
      name: 'query-re',
      matches: [{ queryParams: [{ name: 'page', type: 'RegularExpression', value: '\\d+' }] }],
    },
    { name: 'post', matches: [{ method: 'POST', path: { type: 'Exact', value: '/orders' } }] },
  ]);

  it('matches header names case-insensitively and values exactly', () => {
    expect(routeOf(p, new Req('/', 'GET', { 'X-Canary': 'true' }))).toBe('canary');
    expect(routeOf(p, new Req('/', 'GET', { 'x-canary': 'TRUE' }))).toBeNull();
    expect(routeOf(p, new Req('/', 'GET', { 'x-version': 'v3' }))).toBe('version');
    expect(routeOf(p, new Req('/', 'GET', { 'x-version': 'v33' }))).toBeNull();
    expect(routeOf(p, new Req('/'))).toBeNull();
  });

  it('matches query parameters by exact name, first occurrence', () => {
    expect(routeOf(p, new Req('/a?debug=1'))).toBe('query');
    expect(routeOf(p, new Req('/a?x=2&debug=1&y'))).toBe('query');
    expect(routeOf(p, new Req('/a?debug=10'))).toBeNull();
    expect(routeOf(p, new Req('/a?Debug=1'))).toBeNull();
    expect(routeOf(p, new Req('/a?xdebug=1'))).toBeNull();
    expect(routeOf(p, new Req('/a?debug=2&debug=1'))).toBeNull();
    expect(routeOf(p, new Req('/a?page=12'))).toBe('query-re');
    expect(routeOf(p, new Req('/a?page=&debug=0'))).toBeNull();
  });

  it('matches the method, with every part of a match required', () => {
    expect(routeOf(p, new Req('/orders', 'POST'))).toBe('post');
    expect(routeOf(p, new Req('/orders', 'GET'))).toBeNull();
    expect(routeOf(p, new Req('/orders/1', 'POST'))).toBeNull();
  });

  it('a route matches when any of its matches holds; one with no matches takes everything', () => {
    const q = plan([
      {
        name: 'either',
        matches: [
          { path: { type: 'Exact', value: '/a' } },
          { headers: [{ name: 'x-b', type: 'Exact', value: '1' }] },
        ],
      },
      { name: 'rest' },
    ]);
    expect(routeOf(q, new Req('/a'))).toBe('either');
    expect(routeOf(q, new Req('/z', 'GET', { 'x-b': '1' }))).toBe('either');
    expect(routeOf(q, new Req('/z'))).toBe('rest');
  });
});

describe('OutboundPlan.match: order and defaults', () => {
  it('takes the first matching route in the given order', () => {
    const p = plan([
      { name: 'specific', matches: [{ path: { type: 'PathPrefix', value: '/api/v2' } }] },
      { name: 'general', matches: [{ path: { type: 'PathPrefix', value: '/api' } }] },
      { name: 'also-v2', matches: [{ path: { type: 'PathPrefix', value: '/api/v2' } }] },
    ]);
    expect(routeOf(p, new Req('/api/v2/x'))).toBe('specific');
    expect(routeOf(p, new Req('/api/v1/x'))).toBe('general');
  });

  it('with no routes, every request takes the default route to the service', () => {
    const p = plan([]);
    const r = p.match(new Req('/whatever'));
    expect(r?.source).toEqual({ kind: 'default', namespace: 'demo', name: 'web' });
    expect(r?.pickBackend(0.5)).toBeNull();
    expect(p.revision).toBe(3);
  });

  it('rejects a regex that does not compile, naming the field and the document', () => {
    const bad = () => plan([{ name: 'r', matches: [{ path: { type: 'RegularExpression', value: '/(' } }] }]);
    expect(bad).toThrow(ProxyPolicyError);
    expect(bad).toThrow(/HTTPRoute demo\/r: routes\[0\]\.matches\[0\]\.path\.value/);
  });
});

describe('OutboundPlan.match: gRPC', () => {
  const p = plan(
    [
      { name: 'get', matches: [{ grpc: { type: 'Exact', service: 'shop.Inventory', method: 'Get' } }] },
      { name: 'svc', matches: [{ grpc: { type: 'Exact', service: 'shop.Inventory' } }] },
      { name: 'list-any', matches: [{ grpc: { type: 'Exact', method: 'List' } }] },
      {
        name: 're',
        matches: [{ grpc: { type: 'RegularExpression', service: 'shop\\..*', method: 'Watch.*' } }],
      },
    ],
    'grpc',
  );

  it('matches service and method on /service/method', () => {
    expect(routeOf(p, new Req('/shop.Inventory/Get', 'POST'))).toBe('get');
    expect(routeOf(p, new Req('/shop.Inventory/Put', 'POST'))).toBe('svc');
    expect(routeOf(p, new Req('/shop.Inventory/Gets', 'POST'))).toBe('svc');
    expect(routeOf(p, new Req('/shop.Orders/List', 'POST'))).toBe('list-any');
    expect(routeOf(p, new Req('/shop.Orders/WatchAll', 'POST'))).toBe('re');
    expect(routeOf(p, new Req('/shop.InventoryX/Get', 'POST'))).toBeNull();
    expect(routeOf(p, new Req('/other.Svc/Watch', 'POST'))).toBeNull();
  });
});

/** A seeded generator (mulberry32), so the split tests are exact and repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const backend = (name: string, weight: number) => ({
  authority: `${name}.demo.svc.cluster.local:8080`,
  service: { namespace: 'demo', name, port: 8080 },
  weight,
});

describe('CompiledRoute.pickBackend', () => {
  it('holds a 90/10 split within one point over 100,000 draws', () => {
    const route = plan([{ name: 'split', backends: [backend('v1', 90), backend('v2', 10)] }]).routes[0];
    const rand = seeded(42);
    let v2 = 0;
    for (let i = 0; i < 100_000; i++) if (route?.pickBackend(rand())?.service.name === 'v2') v2++;
    expect(v2 / 1000).toBeGreaterThanOrEqual(9);
    expect(v2 / 1000).toBeLessThanOrEqual(11);
  });

  it('never picks a weight-0 backend', () => {
    const route = plan([{ name: 's', backends: [backend('off', 0), backend('on', 1), backend('off2', 0)] }])
      .routes[0];
    const rand = seeded(7);
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(route?.pickBackend(rand())?.service.name ?? 'parent');
    expect([...seen]).toEqual(['on']);
    expect(route?.pickBackend(0)?.service.name).toBe('on');
    expect(route?.pickBackend(0.9999999999)?.service.name).toBe('on');
  });

  it('sends to the parent when there are no backends or every weight is 0', () => {
    const p = plan([
      { name: 'none', matches: [{ path: { type: 'Exact', value: '/a' } }] },
      { name: 'zero', backends: [backend('x', 0), backend('y', 0)] },
    ]);
    expect(p.routes[0]?.pickBackend(0.3)).toBeNull();
    expect(p.routes[1]?.pickBackend(0.3)).toBeNull();
  });
});
