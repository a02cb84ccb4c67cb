/**
 * The compiled authorizer: identities exact and wildcard, CIDRs with except (IPv4 and
 * IPv6), audit, its memory, refusal at accept, and per-route tables.
 */
import { describe, expect, it } from 'vitest';
import { Authorizer, ipv4Number, MAX_REMEMBERED_CALLERS } from './authz.ts';

const rule = (
  name: string,
  identities: string[] | null,
  networks: { cidr: string; except: string[] }[] | null,
) => ({
  kind: 'AuthorizationPolicy',
  namespace: 'demo',
  name,
  identities,
  networks,
});

const plan = (rules: ReturnType<typeof rule>[], audit = false) =>
  new Authorizer({ serverKind: 'server', serverName: 's', protocol: 'unknown', rules, routes: [], audit });

const request = (path: string) => ({ method: 'GET', path, header: () => undefined });

describe('Authorizer', () => {
  it('reads IPv4 addresses as numbers and refuses anything else', () => {
    expect(ipv4Number('127.0.0.1')).toBe(0x7f000001);
    expect(ipv4Number('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['127.0.0', '256.0.0.1', '1.2.3.4.5', '::1', 'a.b.c.d', '1..2.3', ''])
      expect(ipv4Number(bad)).toBe(-1);
  });

  it('matches exact and wildcard identities, and never a caller without one', () => {
    const a = plan([
      rule(
        'ids',
        [
          'web.demo.serviceaccount.identity.weft.cluster.local',
          '*.ops.serviceaccount.identity.weft.cluster.local',
        ],
        null,
      ),
    ]);
    expect(a.decide('web.demo.serviceaccount.identity.weft.cluster.local', '10.0.0.1')).toBe(0);
    expect(a.decide('anyone.ops.serviceaccount.identity.weft.cluster.local', '10.0.0.1')).toBe(0);
    expect(a.decide('api.demo.serviceaccount.identity.weft.cluster.local', '10.0.0.1')).toBe(-1);
    expect(a.decide('xops.serviceaccount.identity.weft.cluster.local', '10.0.0.1')).toBe(-1);
    expect(a.decide(undefined, '10.0.0.1')).toBe(-1);
    expect(plan([rule('any', ['*'], null)]).decide(undefined, '10.0.0.1')).toBe(-1);
  });

  it('matches CIDRs with except, IPv4-mapped and IPv6 addresses', () => {
    const a = plan([
      rule('net', null, [
        { cidr: '127.10.0.0/16', except: ['127.10.9.0/24'] },
        { cidr: 'fd00::/8', except: [] },
      ]),
    ]);
    expect(a.decide(undefined, '127.10.0.5')).toBe(0);
    expect(a.decide(undefined, '::ffff:127.10.200.1')).toBe(0);
    expect(a.decide(undefined, '127.10.9.5')).toBe(-1);
    expect(a.decide(undefined, '127.11.0.1')).toBe(-1);
    expect(a.decide(undefined, 'fd12::1')).toBe(0);
    expect(a.decide(undefined, 'fe80::1')).toBe(-1);
    expect(a.decide(undefined, undefined)).toBe(-1);
  });

  it('audit lets a denied caller through; deny does not; both counted apart', () => {
    const deny = plan([]);
    expect(deny.admitHttp(undefined, '127.0.0.1')).toBe(false);
    expect(deny.httpDeny.n).toBe(1);
    const audit = plan([], true);
    expect(audit.admitHttp(undefined, '127.0.0.1')).toBe(true);
    expect(audit.admitTcp(undefined, '127.0.0.1')).toBe(true);
    expect([audit.httpAudit.n, audit.tcpAudit.n, audit.httpDeny.n]).toEqual([1, 1, 0]);
  });

  it('remembers a bounded number of decisions and still decides right past the bound', () => {
    const a = plan([rule('net', null, [{ cidr: '127.0.0.0/8', except: [] }])]);
    for (let i = 0; i < MAX_REMEMBERED_CALLERS + 10; i++)
      expect(a.decide(undefined, `127.1.${(i >> 8) & 255}.${i & 255}`)).toBe(0);
    expect(a.decide(undefined, '10.0.0.1')).toBe(-1);
  });

  it('refuses at accept only a caller no identity could let in from its address; never under audit', () => {
    const a = plan([
      rule('net', null, [{ cidr: '10.0.0.0/8', except: [] }]),
      rule('id-and-net', ['*'], [{ cidr: '127.0.0.0/8', except: ['127.0.9.0/24'] }]),
    ]);
    expect(a.refuseAtAccept('127.0.0.1')).toBe(false); // an identity may still let it in
    expect(a.refuseAtAccept('10.1.2.3')).toBe(false);
    expect(a.refuseAtAccept('127.0.9.1')).toBe(true);
    expect(a.refuseAtAccept('192.168.0.1')).toBe(true);
    expect(a.tcpDeny.n).toBe(2);
    expect(plan([], true).refuseAtAccept('192.168.0.1')).toBe(false);
    expect(plan([rule('any', ['*'], null)]).refuseAtAccept('192.168.0.1')).toBe(false);
  });

  it('decides a request by the first route it matches, else the port when no route is attached', () => {
    const noRoutes = plan([rule('all', null, null)]);
    expect(noRoutes.forRequest(request('/anything'))).toBe(noRoutes.port);
    const path = (type: 'Exact' | 'PathPrefix', value: string) => ({
      path: { type, value },
      headers: [],
      queryParams: [],
    });
    const a = new Authorizer({
      serverKind: 'server',
      serverName: 's',
      protocol: 'unknown',
      rules: [],
      audit: false,
      routes: [
        {
          namespace: 'demo',
          name: 'health',
          matches: [path('Exact', '/healthz')],
          rules: [rule('open', null, null)],
        },
        { namespace: 'demo', name: 'books', matches: [path('PathPrefix', '/books')], rules: [] },
        {
          namespace: 'demo',
          name: 'health',
          matches: [path('Exact', '/livez')],
          rules: [rule('open', null, null)],
        },
      ],
    });
    const health = a.forRequest(request('/healthz'));
    expect(health?.admitHttp(undefined, '127.0.0.1')).toBe(true);
    // one route's matches share its table (and its counters)
    expect(a.forRequest(request('/livez'))).toBe(health);
    expect(a.forRequest(request('/books/1'))?.admitHttp(undefined, '127.0.0.1')).toBe(false);
    expect(a.forRequest(request('/other'))).toBeNull();
    expect(a.port.httpDeny.n).toBe(0);
  });
});
