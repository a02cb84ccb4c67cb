// Inbound authorization with a real proxy and plaintext callers from distinct loopback
// addresses: a port's authorization (streamed on policy.watch) answers a denied HTTP
// caller 403 `unauthorized`, a gRPC caller PERMISSION_DENIED, resets a denied opaque
// connection, lets audit through, matches CIDRs on the real source address, and counts
// each outcome as Linkerd does. A plaintext `weft-src` changes no label. An opaque
// Server's port is decided per connection (refused at accept when the address rules the
// caller out), never parsed as HTTP.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { InboundAuthzPlan } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { admin, parseProm, startTestProxy, startUpstream, sum, type Upstream } from './core-harness.ts';
import { FakeController } from './fake-controller.ts';
import { policyRevision, waitFor } from './policy-harness.ts';

const fake = new FakeController();
let app: Upstream;
let proxy: RunningProxy;
let port = 0;
let revision = 0;

beforeAll(async () => {
  await fake.start();
  app = await startUpstream((_req, res) => res.end('app'));
  proxy = await startTestProxy(
    { inbound: { ports: [{ public: 0, app: app.port }] } },
    { WEFT_PROXY_CONTROLLER_URL: fake.url, WEFT_PROXY_WORKLOAD: 'api' },
    { backoffMinMs: 50, backoffMaxMs: 200 },
  );
  port = (proxy.inbound[0] as { address: { port: number } }).address.port;
});

afterAll(async () => {
  await proxy?.drain(500);
  await fake.stop();
  await app?.close();
});

type AuthzInput = Omit<InboundAuthzPlan, 'routes'> & { routes?: InboundAuthzPlan['routes'] };

async function setAuthz(authz: AuthzInput): Promise<void> {
  revision++;
  fake.setInbound({
    revision,
    workload: { namespace: 'test', name: 'api' },
    port: app.port,
    authz: { routes: [], ...authz },
  });
  const want = revision;
  await waitFor(async () => (await policyRevision(proxy)) === want, 5000, `revision ${want}`);
}

/** One request from `from` (a loopback address of this host), on a fresh connection. */
function get(from: string, headers: Record<string, string> = {}, path = '/') {
  return new Promise<{ status: number; error: string | undefined; body: string }>((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port, path, localAddress: from, agent: false, headers },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, error: res.headers['weft-proxy-error'] as string, body }),
        );
      },
    );
    req.on('error', () => resolve({ status: 0, error: 'socket', body: '' }));
  });
}

/**
 * A client from `from` that sends nothing and waits (8 s at most) for the connection to
 * end; `on.connect` and `on.end` are called as it connects and ends.
 */
function silentClient(from: string, on: { connect?: () => void; end?: () => void } = {}) {
  return new Promise<{ data: string; error: string }>((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress: from });
    let data = '';
    let error = '';
    s.on('data', (c) => {
      data += c;
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? 'error';
    });
    if (on.connect) s.on('connect', on.connect);
    s.on('close', () => {
      on.end?.();
      resolve({ data, error });
    });
    setTimeout(() => s.destroy(), 8000);
  });
}

async function counters() {
  return parseProm((await admin(proxy, '/metrics')).body);
}

const server = (rules: InboundAuthzPlan['rules'], audit = false): AuthzInput => ({
  serverKind: 'server',
  serverName: 'api-http',
  protocol: 'unknown',
  rules,
  audit,
});

const rule = (
  name: string,
  networks: { cidr: string; except?: string[] }[] | null,
  identities: string[] | null = null,
) => ({
  kind: 'AuthorizationPolicy',
  namespace: 'test',
  name,
  identities,
  networks: networks?.map((n) => ({ cidr: n.cidr, except: n.except ?? [] })) ?? null,
});

describe('inbound authorization', () => {
  it("matches CIDRs (with except) on the caller's real source address; denies with 403 and counts", async () => {
    await setAuthz(server([rule('local', [{ cidr: '127.0.0.0/8', except: ['127.0.9.0/24'] }])]));
    const before = await counters();
    const allowed = await get('127.0.5.1');
    expect(allowed).toMatchObject({ status: 200, body: 'app' });
    const denied = await get('127.0.9.7');
    expect(denied.status).toBe(403);
    expect(denied.error).toBe('unauthorized');
    const after = await counters();
    // the plaintext caller is labelled with its real address, for the topology to name it
    expect(sum(after, 'request_total', { direction: 'inbound', src_addr: '127.0.5.1' })).toBe(1);
    const labels = { srv_kind: 'server', srv_name: 'api-http' };
    expect(
      sum(after, 'inbound_http_authz_allow_total', {
        ...labels,
        authz_name: 'local',
        authz_kind: 'authorizationpolicy',
      }) - sum(before, 'inbound_http_authz_allow_total', { ...labels, authz_name: 'local' }),
    ).toBe(1);
    expect(
      sum(after, 'inbound_http_authz_deny_total', labels) -
        sum(before, 'inbound_http_authz_deny_total', labels),
    ).toBe(1);
  });

  it('a rule that needs an mTLS identity denies a plaintext caller, whatever weft-src it claims', async () => {
    await setAuthz(server([rule('web-only', null, ['web.test.serviceaccount.identity.weft.cluster.local'])]));
    const r = await get('127.0.5.2', { 'weft-src': 'test/web' });
    expect(r.status).toBe(403);
    const metrics = await counters();
    // No request label set carries the claimed caller.
    expect(metrics.some((s) => s.labels.src_deployment === 'web' || s.labels.src_namespace === 'test')).toBe(
      false,
    );
  });

  it('answers a denied gRPC caller PERMISSION_DENIED', async () => {
    await setAuthz(server([]));
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => {
      const req = session.request({
        ':method': 'POST',
        ':path': '/pkg.Svc/Call',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      req.on('response', (h) => resolve(h));
      req.on('error', () => resolve({}));
      req.resume();
      req.end();
    });
    session.close();
    expect(headers['grpc-status']).toBe('7');
    expect(headers['weft-proxy-error']).toBe('unauthorized');
  });

  it('resets a denied opaque connection and counts it', async () => {
    await setAuthz(server([rule('elsewhere', [{ cidr: '10.0.0.0/8' }])]));
    const before = await counters();
    const got = await new Promise<{ data: string; error: string }>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.5.3' });
      let data = '';
      let error = '';
      s.on('data', (c) => {
        data += c;
      });
      s.on('error', (e: NodeJS.ErrnoException) => {
        error = e.code ?? 'error';
      });
      s.on('close', () => resolve({ data, error }));
      // Not HTTP: detection hands it to the opaque path.
      s.write(Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
      setTimeout(() => s.destroy(), 8000);
    });
    expect(got.data).toBe('');
    expect(got.error).toBe('ECONNRESET');
    const after = await counters();
    const labels = { srv_kind: 'server', srv_name: 'api-http' };
    expect(
      sum(after, 'inbound_tcp_authz_deny_total', labels) -
        sum(before, 'inbound_tcp_authz_deny_total', labels),
    ).toBe(1);
  });

  it('an opaque Server refuses a caller its address rules out at accept, before it sends a byte', async () => {
    // Only callers from 127.0.7.0/24 with a mesh identity are let in: 127.0.5.6 is ruled
    // out by its address alone, 127.0.7.1 only once the detection timeout (1 s) says it
    // sent no ClientHello.
    await setAuthz({
      ...server([
        rule(
          'elsewhere',
          [{ cidr: '127.0.7.0/24' }],
          ['web.test.serviceaccount.identity.weft.cluster.local'],
        ),
      ]),
      protocol: 'opaque',
    });
    const before = await counters();
    const conns = app.conns;
    const ended: string[] = [];
    // Server-speaks-first clients: they wait for the app and send nothing. The one refused
    // after the detection timeout connects first (and is accepted a turn later).
    let waited: ReturnType<typeof silentClient> | undefined;
    await new Promise<void>((connect) => {
      waited = silentClient('127.0.7.1', { connect, end: () => ended.push('127.0.7.1') });
    });
    await new Promise((r) => setTimeout(r, 20));
    const got = await silentClient('127.0.5.6', { end: () => ended.push('127.0.5.6') });
    expect(got).toEqual({ data: '', error: 'ECONNRESET' });
    expect(await waited).toEqual({ data: '', error: 'ECONNRESET' });
    // refused at once, not after the detection timeout: before the caller that waited for it
    expect(ended).toEqual(['127.0.5.6', '127.0.7.1']);
    expect(app.conns).toBe(conns);
    const after = await counters();
    const labels = { srv_kind: 'server', srv_name: 'api-http' };
    expect(
      sum(after, 'inbound_tcp_authz_deny_total', labels) -
        sum(before, 'inbound_tcp_authz_deny_total', labels),
    ).toBe(2);
  });

  it('an opaque Server judges HTTP bytes per connection: refused (not 403) without an identity it needs', async () => {
    await setAuthz({
      ...server([rule('web-only', null, ['web.test.serviceaccount.identity.weft.cluster.local'])]),
      protocol: 'opaque',
    });
    const before = await counters();
    const conns = app.conns;
    const r = await get('127.0.5.7');
    expect(r).toMatchObject({ status: 0, error: 'socket' });
    expect(app.conns).toBe(conns);
    const after = await counters();
    const labels = { srv_kind: 'server', srv_name: 'api-http' };
    expect(
      sum(after, 'inbound_tcp_authz_deny_total', labels) -
        sum(before, 'inbound_tcp_authz_deny_total', labels),
    ).toBe(1);
    expect(
      sum(after, 'inbound_http_authz_deny_total', labels) -
        sum(before, 'inbound_http_authz_deny_total', labels),
    ).toBe(0);
  });

  it('an opaque Server opens no app connection for a silent caller it will refuse, and refuses it', async () => {
    await setAuthz({
      ...server([rule('web-only', null, ['web.test.serviceaccount.identity.weft.cluster.local'])]),
      protocol: 'opaque',
    });
    const before = await counters();
    const conns = app.conns;
    // Silent for the detection timeout (a meshed caller would have sent its ClientHello).
    expect(await silentClient('127.0.5.10')).toEqual({ data: '', error: 'ECONNRESET' });
    expect(app.conns).toBe(conns);
    const after = await counters();
    const labels = { srv_kind: 'server', srv_name: 'api-http' };
    expect(
      sum(after, 'inbound_tcp_authz_deny_total', labels) -
        sum(before, 'inbound_tcp_authz_deny_total', labels),
    ).toBe(1);
  });

  it('an opaque Server relays an allowed connection as bytes, counted once as TCP', async () => {
    await setAuthz({ ...server([rule('local', [{ cidr: '127.0.5.0/24' }])]), protocol: 'opaque' });
    const before = await counters();
    expect(await get('127.0.5.8')).toMatchObject({ status: 200, body: 'app' });
    const after = await counters();
    const labels = { srv_kind: 'server', srv_name: 'api-http', authz_name: 'local' };
    expect(
      sum(after, 'inbound_tcp_authz_allow_total', labels) -
        sum(before, 'inbound_tcp_authz_allow_total', labels),
    ).toBe(1);
    // no HTTP decision: the proxy did not parse the request
    expect(
      sum(after, 'inbound_http_authz_allow_total', labels) -
        sum(before, 'inbound_http_authz_allow_total', labels),
    ).toBe(0);
  });

  it('per-route: each HTTPRoute on the Server has its own rules, counted with route_name; no route matching is 404', async () => {
    const webOnly = rule('web-only', null, ['web.test.serviceaccount.identity.weft.cluster.local']);
    const path = (type: 'Exact' | 'PathPrefix', value: string) => ({
      path: { type, value },
      headers: [],
      queryParams: [],
    });
    await setAuthz({
      ...server([webOnly]),
      routes: [
        {
          namespace: 'test',
          name: 'health',
          matches: [path('Exact', '/healthz')],
          rules: [rule('probes', [{ cidr: '127.0.0.0/8' }]), webOnly],
        },
        { namespace: 'test', name: 'books', matches: [path('PathPrefix', '/books')], rules: [webOnly] },
      ],
    });
    const before = await counters();
    expect(await get('127.0.5.9', {}, '/healthz')).toMatchObject({ status: 200, body: 'app' });
    expect(await get('127.0.5.9', {}, '/books/1')).toMatchObject({ status: 403, error: 'unauthorized' });
    expect(await get('127.0.5.9', {}, '/elsewhere')).toMatchObject({ status: 404, error: 'no-route' });
    const after = await counters();
    const delta = (name: string, labels: Record<string, string>) =>
      sum(after, name, { srv_name: 'api-http', ...labels }) -
      sum(before, name, { srv_name: 'api-http', ...labels });
    expect(delta('inbound_http_authz_allow_total', { route_name: 'health', authz_name: 'probes' })).toBe(1);
    expect(delta('inbound_http_authz_deny_total', { route_name: 'books' })).toBe(1);
    expect(delta('inbound_http_authz_deny_total', { route_name: 'default' })).toBe(0);
  });

  it('audit lets a caller it would deny through and counts it apart', async () => {
    await setAuthz({
      serverKind: 'default',
      serverName: 'default:audit',
      protocol: 'unknown',
      rules: [],
      audit: true,
    });
    const before = await counters();
    expect(await get('127.0.5.4')).toMatchObject({ status: 200, body: 'app' });
    const after = await counters();
    const labels = { srv_kind: 'default', srv_name: 'default:audit' };
    expect(
      sum(after, 'inbound_http_authz_audit_total', labels) -
        sum(before, 'inbound_http_authz_audit_total', labels),
    ).toBe(1);
    expect(
      sum(after, 'inbound_http_authz_deny_total', labels) -
        sum(before, 'inbound_http_authz_deny_total', labels),
    ).toBe(0);
  });

  it('a policy change between requests on one keep-alive connection applies to the next request', async () => {
    await setAuthz(server([rule('all', null)]));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const one = () =>
      new Promise<number>((resolve) => {
        http
          .get({ host: '127.0.0.1', port, path: '/', agent, localAddress: '127.0.5.5' }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', () => resolve(0));
      });
    expect(await one()).toBe(200);
    await setAuthz(server([]));
    expect(await one()).toBe(403);
    agent.destroy();
  });
});
