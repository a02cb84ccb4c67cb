// One gRPC call, one edge: a meshed gRPC caller (demo/web) and callee (reviews/ratings),
// each a real proxy process with a certificate from the controller's identity API, the
// caller's app speaking HTTP/2 through a CONNECT tunnel. The controller's scraper reads
// both proxies; the topology must hold exactly one edge between them, secured, with both
// identities, and no unknown caller.

import http2, { type Http2Server } from 'node:http2';
import net, { type AddressInfo, type Socket } from 'node:net';
import { meshIdentity, UNKNOWN_SOURCE } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBackend } from '../src/metrics/embedded-backend.ts';
import type { MetricsService } from '../src/metrics/service.ts';
import {
  type IdentityApi,
  meshedPod,
  meshedWorkload,
  scrapingService,
  settle,
  startIdentityApi,
} from './mesh-helpers.ts';
import { freePort, type RunningProxy, startProxy } from './metrics-helpers.ts';

const WEB_ID = meshIdentity('web', 'demo');
const RATINGS_ID = meshIdentity('ratings', 'reviews');
const AUTHORITY = 'ratings.reviews.svc.cluster.local:9090';
const CALLS = 30;

/** `CONNECT authority` through the proxy at 127.0.0.1:port; resolves with the open socket. */
function connectTunnel(port: number, authority: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error('no CONNECT answer within 10 s')), 10_000);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.pause();
      const status = head.toString('latin1', 9, 12);
      if (status !== '200') reject(new Error(`CONNECT answered ${head.toString('latin1', 0, end)}`));
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

/** One unary gRPC call on `session`; resolves with its grpc-status. */
function grpcCall(session: http2.ClientHttp2Session): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = session.request({
      ':method': 'POST',
      ':path': '/ratings.Ratings/Get',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let status = '';
    req.on('trailers', (t) => {
      status = String(t['grpc-status'] ?? '');
    });
    req.on('data', () => {});
    req.on('end', () => resolve(status));
    req.on('error', reject);
    // an empty message: no compression, length 0
    req.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

let ids: IdentityApi | undefined;
let app: Http2Server | undefined;
let web: RunningProxy | undefined;
let ratings: RunningProxy | undefined;
let service: MetricsService | undefined;
let webOutboundPort = 0;

beforeAll(async () => {
  ids = await startIdentityApi();
  const meshEnv = ids.meshEnv;

  // The gRPC server: every call answers an empty message with grpc-status 0.
  app = http2.createServer();
  app.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.on('data', () => {});
    stream.on('end', () => stream.end(Buffer.from([0, 0, 0, 0, 0])));
  });
  await new Promise<void>((r) => app?.listen(0, '127.0.0.1', r));
  const appPort = (app.address() as AddressInfo).port;
  const ratingsPort = await freePort();
  webOutboundPort = await freePort();

  [ratings, web] = await Promise.all([
    startProxy(
      {},
      {
        ...meshEnv('reviews', 'ratings'),
        WEFT_PROXY_INBOUND_PORTS: `${ratingsPort}:${appPort}`,
        WEFT_PROXY_OUTBOUND_LISTEN: `127.0.0.1:${await freePort()}`,
      },
    ),
    startProxy(
      {
        destinations: {
          [AUTHORITY]: {
            endpoints: [
              {
                address: '127.0.0.1',
                port: ratingsPort,
                meshed: true,
                identity: RATINGS_ID,
                namespace: 'reviews',
                workload: 'ratings',
                pod: 'ratings-1',
              },
            ],
          },
        },
      },
      {
        ...meshEnv('demo', 'web'),
        WEFT_PROXY_INBOUND_PORTS: `${await freePort()}:${await freePort()}`,
        WEFT_PROXY_OUTBOUND_LISTEN: `127.0.0.1:${webOutboundPort}`,
      },
    ),
  ]);
  const pods = [meshedPod('demo', 'web', web.admin), meshedPod('reviews', 'ratings', ratings.admin)];
  const workloads = [meshedWorkload('demo', 'web'), meshedWorkload('reviews', 'ratings')];
  service = scrapingService(['demo', 'reviews'], workloads, () => pods);
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await Promise.all([web?.stop(), ratings?.stop()]);
  await new Promise<void>((r) => (app ? app.close(() => r()) : r()));
  await ids?.close();
});

describe('topology of a meshed gRPC call', () => {
  it('is exactly one edge, secured, with both identities', async () => {
    if (!service || !web || !ratings) throw new Error('setup failed');
    await settle(service, [web.admin, ratings.admin]);
    const socket = await connectTunnel(webOutboundPort, AUTHORITY);
    const session = http2.connect(`http://${AUTHORITY}`, { createConnection: () => socket });
    socket.resume();
    const statuses: string[] = [];
    for (let i = 0; i < CALLS; i++) statuses.push(await grpcCall(session));
    session.close();
    expect(statuses).toEqual(Array(CALLS).fill('0'));
    await settle(service, []);

    const g = await service.topology.graph('1m');
    expect(
      g.edges.map(
        (e) => `${e.source.namespace}/${e.source.name}>${e.destination.namespace}/${e.destination.name}`,
      ),
    ).toEqual(['demo/web>reviews/ratings']);
    expect(g.edges[0]).toMatchObject({
      secured: true,
      securedShare: 1,
      clientIdentity: WEB_ID,
      serverIdentity: RATINGS_ID,
      sourceUnmeshed: false,
      metrics: { requests: CALLS, failures: 0 },
    });
    expect(g.nodes.map((n) => n.name)).not.toContain(UNKNOWN_SOURCE);
  }, 90_000);

  it("the callee counted every call under the caller's proven identity", async () => {
    if (!service) throw new Error('setup failed');
    const inbound = await new EmbeddedBackend(service.store).golden({
      direction: 'inbound',
      match: [{ label: 'deployment', op: '=', value: 'ratings' }],
      by: ['tls', 'client_id'],
      seconds: 60,
      quantiles: false,
    });
    expect(inbound.map((r) => ({ ...r.labels, requests: r.metrics.requests }))).toEqual([
      { tls: 'true', client_id: WEB_ID, requests: CALLS },
    ]);
  });
});
