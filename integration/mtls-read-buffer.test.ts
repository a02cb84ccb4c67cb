/**
 * A meshed server's proxy reads its app's responses into one reusable 64 KiB buffer per
 * connection. Its client side is TLS, whose writes never complete at once: a response
 * forwarded as a copy (a small one goes out as one string with its head) must not make
 * the proxy think the buffer is still referenced and allocate a fresh one per response.
 * That churn (64 KiB of off-heap memory per request) drove garbage collections for
 * "external memory pressure" on every mTLS hop. Counted here through the allocator,
 * not timed.
 */
import http from 'node:http';
import { meshIdentity } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type MeshedProxy,
  metricSum,
  startApp,
  startMeshedProxy,
  startTestController,
  type TestController,
  viaOutbound,
  waitReady,
} from './mtls-harness.ts';

const WEB = meshIdentity('web', 'demo');
const AUTH = 'web.demo.svc.cluster.local:8080';
const READ_BUFFER = 64 * 1024;
const REQUESTS = 40;

let ctl: TestController;
let app: Awaited<ReturnType<typeof startApp>>;
let web: MeshedProxy;
let load: MeshedProxy;

beforeAll(async () => {
  ctl = await startTestController(3600_000);
  app = await startApp();
  web = await startMeshedProxy({ controller: ctl, namespace: 'demo', workload: 'web', appPort: app.port });
  load = await startMeshedProxy({
    controller: ctl,
    namespace: 'demo',
    workload: 'load',
    destinations: {
      [AUTH]: {
        endpoints: [
          {
            address: '127.0.0.1',
            port: web.inboundPort,
            meshed: true,
            identity: WEB,
            namespace: 'demo',
            workload: 'web',
          },
        ],
      },
    },
  });
  await waitReady(web);
  await waitReady(load);
});
afterAll(async () => {
  await load?.stop();
  await web?.stop();
  await app?.close();
  await ctl?.close();
});

describe('the inbound proxy behind mTLS', () => {
  it('reuses its read buffer towards the app instead of allocating one per response', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    // warm up: connections opened (each has its own buffer) before counting
    expect(await viaOutbound(load, `http://${AUTH}/warm`, agent)).toMatchObject({ status: 200 });
    const alloc = vi.spyOn(Buffer, 'allocUnsafeSlow');
    try {
      for (let i = 0; i < REQUESTS; i++) {
        const r = await viaOutbound(load, `http://${AUTH}/r/${i}`, agent);
        expect(r).toMatchObject({ status: 200, body: `app:/r/${i}` });
      }
      const readBuffers = alloc.mock.calls.filter(([size]) => size === READ_BUFFER).length;
      // one per new connection at most (the requests are sequential: one or two), never one per response
      expect(readBuffers).toBeLessThanOrEqual(2);
    } finally {
      alloc.mockRestore();
      agent.destroy();
    }
    // and the requests did cross mTLS
    expect(await metricSum(web, 'response_total', ['direction="inbound"', 'tls="true"'])).toBe(REQUESTS + 1);
  });
});
