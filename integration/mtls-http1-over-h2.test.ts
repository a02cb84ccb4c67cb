/**
 * HTTP/1 between meshed proxies carried over HTTP/2 (`apps/proxy/src/mesh-h2/`): through
 * two proxies with mTLS, an HTTP/1 client sees what it sees with the upgrade off (status,
 * the app's headers, body, trailers, framing where it matters), for every shape of
 * exchange; proxy features (retries, timeouts, authorization) still apply; a marker sent
 * in plaintext is not honoured; and concurrent requests share one connection.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { meshIdentity } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MeshedProxy,
  metricSum,
  startMeshedProxy,
  startRelay,
  startTestController,
  type TestController,
  waitReady,
} from './mtls-harness.ts';

const WEB = meshIdentity('web', 'demo');
const AUTH = 'web.demo.svc.cluster.local:8080';
const BIG = 5 * 1024 * 1024;

let ctl: TestController;
let app: http.Server;
let h2app: http2.Http2Server;
let web: MeshedProxy;
let webH2: MeshedProxy;
let load: MeshedProxy;
let loadOff: MeshedProxy;
let relay: Awaited<ReturnType<typeof startRelay>>;
const hits = new Map<string, number>();
/** Sockets the apps hold outside their servers' own tracking (upgraded, h2 sessions). */
const held = new Set<{ destroy(): void }>();

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '/';
  hits.set(url, (hits.get(url) ?? 0) + 1);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (url === '/hello') {
      res.setHeader('X-App', 'yes');
      res.setHeader('content-type', 'text/plain');
      res.end(`hello ${req.method} ${req.headers['x-in'] ?? ''}`);
    } else if (url === '/echo') {
      res.setHeader('x-len', String(body.length));
      res.setHeader('x-sha', createHash('sha256').update(body).digest('hex'));
      res.end(body.length > 1024 ? '' : body);
    } else if (url === '/stream') {
      res.write('a');
      res.write('b');
      res.end('c');
    } else if (url === '/trailers') {
      res.setHeader('trailer', 'x-sum');
      res.write('data');
      res.addTrailers({ 'x-sum': '42' });
      res.end();
    } else if (url === '/204') res.writeHead(204, { 'x-app': 'none' }).end();
    else if (url === '/304') res.writeHead(304, { etag: '"v1"' }).end();
    else if (url === '/big') res.end(Buffer.alloc(BIG, 98));
    else if (url.startsWith('/flaky')) {
      if ((hits.get(url) ?? 0) % 2 === 1) res.writeHead(503).end('try again');
      else res.end(`second try got ${body.toString()}`);
    } else if (url === '/slow') setTimeout(() => res.end('late'), 2000);
    else if (url === '/wait') setTimeout(() => res.end('waited'), 400);
    else if (url === '/cut') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 50);
    } else res.end(`app:${url}`);
  });
}

beforeAll(async () => {
  ctl = await startTestController(3600_000);
  app = http.createServer(handler);
  app.on('upgrade', (_req, socket) => {
    held.add(socket);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: echo\r\nconnection: upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), d])));
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const appPort = (app.address() as AddressInfo).port;
  h2app = http2.createServer((req, res) => {
    res.end(JSON.stringify({ version: req.httpVersion, marker: req.headers['weft-orig-proto'] ?? null }));
  });
  h2app.on('session', (s) => held.add(s));
  await new Promise<void>((r) => h2app.listen(0, '127.0.0.1', r));
  web = await startMeshedProxy({
    controller: ctl,
    namespace: 'demo',
    workload: 'web',
    appPort,
    config: {
      inboundPolicies: [
        {
          revision: 0,
          workload: { namespace: 'demo', name: 'web' },
          port: appPort,
          authz: {
            serverKind: 'server',
            serverName: 'web-http',
            rules: [{ kind: 'default', namespace: '', name: 'all', identities: null, networks: null }],
            routes: [
              {
                namespace: 'demo',
                name: 'admin-only',
                matches: [{ path: { type: 'PathPrefix', value: '/denied' }, headers: [], queryParams: [] }],
                rules: [
                  {
                    kind: 'AuthorizationPolicy',
                    namespace: 'demo',
                    name: 'admins',
                    identities: [meshIdentity('admin', 'demo')],
                    networks: null,
                  },
                ],
              },
              {
                namespace: 'demo',
                name: 'rest',
                matches: [],
                rules: [{ kind: 'default', namespace: '', name: 'all', identities: null, networks: null }],
              },
            ],
          },
        },
      ],
    },
  });
  webH2 = await startMeshedProxy({
    controller: ctl,
    namespace: 'demo',
    workload: 'h2app',
    appPort: (h2app.address() as AddressInfo).port,
  });
  relay = await startRelay(web.inboundPort);
  const dest = (port: number) => ({
    [AUTH]: {
      endpoints: [
        { address: '127.0.0.1', port, meshed: true, identity: WEB, namespace: 'demo', workload: 'web' },
      ],
      routes: [{ pathPrefix: '/slow', timeoutMs: 300 }, { pathPrefix: '/' }],
    },
  });
  load = await startMeshedProxy({
    controller: ctl,
    namespace: 'demo',
    workload: 'load',
    destinations: dest(relay.port),
  });
  loadOff = await startMeshedProxy({
    controller: ctl,
    namespace: 'demo',
    workload: 'load',
    destinations: dest(web.inboundPort),
    env: { WEFT_PROXY_MESH_H2: 'off' },
  });
  for (const p of [web, webH2, load, loadOff]) await waitReady(p);
}, 30_000);

afterAll(async () => {
  await loadOff?.stop();
  await load?.stop();
  await webH2?.stop();
  await web?.stop();
  await relay?.close();
  for (const s of held) s.destroy();
  app?.closeAllConnections();
  await new Promise((r) => app?.close(r));
  await new Promise((r) => h2app?.close(r));
  await ctl?.close();
});

interface Seen {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  trailers: NodeJS.Dict<string>;
  error: string | null;
}

interface Send {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string[];
  expectContinue?: boolean;
}

/** One request through `p`'s outbound listener (absolute form); what the client saw. */
function send(p: MeshedProxy, o: Send): Promise<Seen> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: p.proxy.outbound.port,
        method: o.method ?? 'GET',
        path: `http://${AUTH}${o.path}`,
        headers: o.headers ?? {},
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (d: string) => {
          body += d;
        });
        const done = (error: string | null) =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, trailers: res.trailers, error });
        res.on('end', () => done(res.complete ? null : 'incomplete'));
        res.on('error', (e) => done(e.message));
        res.on('aborted', () => done('aborted'));
      },
    );
    req.on('error', (e) => resolve({ status: 0, headers: {}, body: '', trailers: {}, error: e.message }));
    const body = o.body;
    if (o.expectContinue) {
      req.on('continue', () => req.end(body as Buffer));
      return;
    }
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      for (const part of body) req.write(part);
      req.end();
    }
  });
}

/** What a user compares: status, the app's headers, body, trailers. */
function view(s: Seen) {
  const h = s.headers;
  const pick: Record<string, unknown> = {};
  for (const k of [
    'x-app',
    'content-type',
    'content-length',
    'transfer-encoding',
    'etag',
    'x-len',
    'x-sha',
    'weft-proxy-error',
  ])
    if (h[k] !== undefined) pick[k] = h[k];
  return { status: s.status, headers: pick, body: s.body, trailers: s.trailers, error: s.error };
}

/** The same request with the upgrade on and off: what the client sees must not differ. */
async function same(o: Send) {
  const on = view(await send(load, o));
  const off = view(await send(loadOff, o));
  expect(on).toEqual(off);
  return on;
}

describe('HTTP/1 over HTTP/2 between meshed proxies', () => {
  it('carries GET, HEAD, 204 and 304 as the HTTP/1 path does', async () => {
    const get = await same({
      path: '/hello',
      headers: { 'X-In': 'v', Connection: 'keep-alive, x-hop', 'x-hop': 'no' },
    });
    expect(get).toMatchObject({
      status: 200,
      body: 'hello GET v',
      headers: { 'x-app': 'yes', 'content-length': '11' },
    });
    expect(await same({ method: 'HEAD', path: '/hello' })).toMatchObject({ status: 200, body: '' });
    expect(await same({ path: '/204' })).toMatchObject({
      status: 204,
      body: '',
      headers: { 'x-app': 'none' },
    });
    expect(await same({ path: '/304' })).toMatchObject({ status: 304, body: '', headers: { etag: '"v1"' } });
    // all of them went on one connection between the proxies, which offered only h2 (ALPN)
    expect(relay.openedAt().length).toBe(1);
    expect(relay.up().includes(Buffer.from('\x02h2', 'latin1'))).toBe(true);
    expect(relay.up().includes(Buffer.from('http/1.1', 'latin1'))).toBe(false);
  });

  it('carries request bodies with a length, chunked, and after 100-continue', async () => {
    expect(await same({ method: 'POST', path: '/echo', body: Buffer.from('ping') })).toMatchObject({
      status: 200,
      body: 'ping',
      headers: { 'x-len': '4' },
    });
    expect(await same({ method: 'POST', path: '/echo', body: ['chu', 'nked'] })).toMatchObject({
      body: 'chunked',
      headers: { 'x-len': '7' },
    });
    expect(
      await same({
        method: 'POST',
        path: '/echo',
        headers: { expect: '100-continue', 'content-length': '5' },
        body: Buffer.from('later'),
        expectContinue: true,
      }),
    ).toMatchObject({ status: 200, body: 'later' });
  });

  it('relays a chunked response and its trailers', async () => {
    expect(await same({ path: '/stream' })).toMatchObject({
      body: 'abc',
      headers: { 'transfer-encoding': 'chunked' },
    });
    expect(await same({ path: '/trailers' })).toMatchObject({ body: 'data', trailers: { 'x-sum': '42' } });
  });

  it('moves several megabytes each way (flow control)', async () => {
    const big = Buffer.alloc(BIG, 97);
    const up = await same({ method: 'POST', path: '/echo', body: big });
    expect(up.headers).toMatchObject({
      'x-len': String(BIG),
      'x-sha': createHash('sha256').update(big).digest('hex'),
    });
    const down = await same({ path: '/big' });
    expect(down.body.length).toBe(BIG);
    expect(down.headers['content-length']).toBe(String(BIG));
  });

  it('retries a 503 with the request body replayed', async () => {
    const on = await send(load, { method: 'PUT', path: '/flaky-on', body: Buffer.from('payload') });
    expect(view(on)).toMatchObject({ status: 200, body: 'second try got payload' });
    expect(hits.get('/flaky-on')).toBe(2);
  });

  it('answers a route timeout, an authorization deny, and a truncated response as before', async () => {
    const slow = await same({ path: '/slow' });
    expect(slow).toMatchObject({ status: 504, headers: { 'weft-proxy-error': 'request-timeout' } });
    const denied = await same({ path: '/denied' });
    expect(denied.status).toBe(403);
    expect(hits.get('/denied')).toBeUndefined();
    const cut = await send(load, { path: '/cut' });
    expect(cut.error).not.toBeNull();
    expect(cut.body.length).toBeLessThan(100);
  });

  it('still tunnels an Upgrade (not carried over HTTP/2)', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: load.proxy.outbound.port,
        path: `http://${AUTH}/ws`,
        headers: { connection: 'upgrade', upgrade: 'echo' },
        agent: false,
      });
      req.on('upgrade', (res, socket) => {
        expect(res.statusCode).toBe(101);
        socket.once('data', (d: Buffer) => {
          resolve(d.toString());
          socket.destroy();
        });
        socket.write('hi');
      });
      req.on('error', reject);
      req.end();
    });
    expect(reply).toBe('echo:hi');
  });

  it('multiplexes concurrent requests on one proxy-to-proxy connection', async () => {
    const before = relay.openedAt().length;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
    const replies = await Promise.all(
      Array.from(
        { length: 200 },
        (_, i) =>
          new Promise<number>((resolve, reject) => {
            http
              .get(
                { host: '127.0.0.1', port: load.proxy.outbound.port, path: `http://${AUTH}/c/${i}`, agent },
                (res) => {
                  res.resume();
                  res.on('end', () => resolve(res.statusCode ?? 0));
                },
              )
              .on('error', reject);
          }),
      ),
    );
    agent.destroy();
    expect(replies.every((s) => s === 200)).toBe(true);
    expect(relay.openedAt().length - before).toBeLessThanOrEqual(1);
    // and the inbound proxy counted them as HTTP/1 requests from the caller's identity
    expect(
      await metricSum(web, 'request_total', [
        'direction="inbound"',
        'tls="true"',
        `client_id="${meshIdentity('load', 'demo')}"`,
      ]),
    ).toBeGreaterThanOrEqual(200);
  });

  it('does not honour the marker on a plaintext HTTP/2 request', async () => {
    const session = http2.connect(`http://127.0.0.1:${webH2.inboundPort}`);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const s = session.request({ ':path': '/', 'weft-orig-proto': 'HTTP/1.1' });
        let b = '';
        s.setEncoding('utf8');
        s.on('data', (d: string) => {
          b += d;
        });
        s.on('end', () => resolve(b));
        s.on('error', reject);
      });
      // the app got the request as HTTP/2, without the marker
      expect(JSON.parse(body)).toEqual({ version: '2.0', marker: null });
    } finally {
      session.close();
    }
  });

  // last: it drains the inbound proxy
  it('lets a request in flight finish when the inbound proxy drains (GOAWAY)', async () => {
    const inFlight = send(load, { path: '/wait' });
    await new Promise((r) => setTimeout(r, 150));
    const drained = web.proxy.drain(5000);
    expect(view(await inFlight)).toMatchObject({ status: 200, body: 'waited', error: null });
    await drained;
  });
});
