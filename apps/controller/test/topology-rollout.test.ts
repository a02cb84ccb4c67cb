// An edge meshed halfway through the window: the caller (demo/traffic) first reaches the
// callee (demo/web) through a proxy without identity, in plaintext, then through a meshed
// proxy over mTLS, as during a rollout. Real proxy processes, scraped by the controller;
// the one edge between them must say which share of its requests was mTLS.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { meshIdentity } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const PLAIN_CALLS = 20;
const MTLS_CALLS = 30;

let ids: IdentityApi | undefined;
let app: Server | undefined;
let web: RunningProxy | undefined;
let traffic: RunningProxy | undefined;
let service: MetricsService | undefined;
let webPort = 0;
let outboundPort = 0;
let trafficAdmin = '';
const pods = new Map<string, ReturnType<typeof meshedPod>>();

/** The caller's proxy: with identity and a meshed endpoint, or without either. */
async function startCaller(meshed: boolean): Promise<RunningProxy> {
  if (!ids) throw new Error('no identity API');
  const env = meshed
    ? ids.meshEnv('demo', 'traffic')
    : { WEFT_PROXY_NAMESPACE: 'demo', WEFT_PROXY_WORKLOAD: 'traffic', WEFT_PROXY_POD: 'traffic-1' };
  return startProxy(
    {
      destinations: {
        'web.demo:80': {
          endpoints: [
            {
              address: '127.0.0.1',
              port: webPort,
              meshed,
              ...(meshed ? { identity: meshIdentity('web', 'demo') } : {}),
              namespace: 'demo',
              workload: 'web',
              pod: 'web-1',
            },
          ],
        },
      },
    },
    {
      ...env,
      WEFT_PROXY_INBOUND_HOST: '127.0.0.1',
      WEFT_PROXY_INBOUND_PORTS: `${await freePort()}:${await freePort()}`,
      WEFT_PROXY_OUTBOUND_LISTEN: `127.0.0.1:${outboundPort}`,
      WEFT_PROXY_ADMIN_LISTEN: trafficAdmin,
    },
  );
}

/** `n` requests to web.demo through the caller's outbound proxy; resolves with their statuses. */
async function calls(n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    statuses.push(
      await new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: outboundPort, path: 'http://web.demo/', headers: { host: 'web.demo' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end();
      }),
    );
  }
  return statuses;
}

beforeAll(async () => {
  ids = await startIdentityApi();
  app = createServer((_, res) => res.writeHead(200).end('ok'));
  await new Promise<void>((r) => app?.listen(0, '127.0.0.1', r));
  webPort = await freePort();
  outboundPort = await freePort();
  trafficAdmin = `127.0.0.1:${await freePort()}`;
  web = await startProxy(
    {},
    {
      ...ids.meshEnv('demo', 'web'),
      WEFT_PROXY_INBOUND_PORTS: `${webPort}:${(app.address() as AddressInfo).port}`,
      WEFT_PROXY_OUTBOUND_LISTEN: `127.0.0.1:${await freePort()}`,
    },
  );
  traffic = await startCaller(false);
  pods.set('web', meshedPod('demo', 'web', web.admin));
  pods.set('traffic', meshedPod('demo', 'traffic', trafficAdmin));
  const workloads = [meshedWorkload('demo', 'web'), meshedWorkload('demo', 'traffic')];
  service = scrapingService(['demo'], workloads, () => [...pods.values()]);
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await Promise.all([web?.stop(), traffic?.stop()]);
  await new Promise<void>((r) => (app ? app.close(() => r()) : r()));
  await ids?.close();
});

describe('an edge meshed halfway through the window', () => {
  it('shows the share of its requests that were mTLS', async () => {
    if (!service || !web || !traffic) throw new Error('setup failed');
    await settle(service, [web.admin, traffic.admin]);
    expect(await calls(PLAIN_CALLS)).toEqual(Array(PLAIN_CALLS).fill(200));
    await settle(service, []);

    // The rollout: the caller's pod comes back with a meshed proxy (same admin address).
    await traffic.stop();
    traffic = await startCaller(true);
    await settle(service, [web.admin, traffic.admin]);
    expect(await calls(MTLS_CALLS)).toEqual(Array(MTLS_CALLS).fill(200));
    await settle(service, []);

    const edges = await service.topology.edges('1m', { namespace: 'demo', workload: 'web' });
    expect(edges.map((e) => `${e.source.name}>${e.destination.name}`)).toEqual(['traffic>web']);
    expect(edges[0]).toMatchObject({
      secured: false,
      securedShare: MTLS_CALLS / (PLAIN_CALLS + MTLS_CALLS),
      clientIdentity: meshIdentity('traffic', 'demo'),
      serverIdentity: meshIdentity('web', 'demo'),
      sourceUnmeshed: false,
      metrics: { requests: PLAIN_CALLS + MTLS_CALLS, failures: 0 },
    });
  }, 120_000);
});
