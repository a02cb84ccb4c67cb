/**
 * A caller that meets a TLS mismatch (an endpoint announced as meshed whose address
 * answers in plaintext: "wrong version number") retries on another endpoint without
 * failing the request, whatever its method: the handshake failed, so no request byte
 * reached the app.
 */
import http from 'node:http';
import { meshIdentity } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MeshedProxy,
  metricSum,
  startApp,
  startMeshedProxy,
  startTestController,
  type TestController,
  waitReady,
} from './mtls-harness.ts';

const WEB = meshIdentity('web', 'demo');
const AUTH = 'web.demo.svc.cluster.local:8080';

let ctl: TestController;
let app: Awaited<ReturnType<typeof startApp>>;
/** A plaintext app on the address the destination calls meshed. */
let plain: Awaited<ReturnType<typeof startApp>>;
let web: MeshedProxy;
let load: MeshedProxy;

/** A POST through the outbound proxy (not idempotent: only a connect failure may be retried). */
function post(p: MeshedProxy, url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: p.proxy.outbound.port,
        path: url,
        method: 'POST',
        agent: false,
        headers: { 'content-length': Buffer.byteLength(body) },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  ctl = await startTestController(3600_000);
  app = await startApp();
  plain = await startApp();
  web = await startMeshedProxy({ controller: ctl, namespace: 'demo', workload: 'web', appPort: app.port });
  await waitReady(web);
  const endpoint = { meshed: true, identity: WEB, namespace: 'demo', workload: 'web' };
  load = await startMeshedProxy({
    controller: ctl,
    namespace: 'demo',
    workload: 'load',
    destinations: {
      [AUTH]: {
        endpoints: [
          { address: '127.0.0.1', port: plain.port, ...endpoint },
          { address: '127.0.0.1', port: web.inboundPort, ...endpoint },
        ],
      },
    },
  });
  await waitReady(load);
}, 30_000);
afterAll(async () => {
  await load?.stop();
  await web?.stop();
  await plain?.close();
  await app?.close();
  await ctl?.close();
});

describe('a TLS mismatch on one endpoint', () => {
  it('is retried on the other endpoint: every POST succeeds', async () => {
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await post(load, `http://${AUTH}/order/${i}`, `item ${i}`));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    expect(results.map((r) => r.body)).toEqual(results.map((_, i) => `app:/order/${i}`));
    // the plaintext endpoint was tried, and refused as a TLS mismatch
    expect(await metricSum(load, 'tls_rejected_total', ['direction="outbound"'])).toBeGreaterThan(0);
    expect(load.logs.join('\n')).toMatch(
      /refused 127\.0\.0\.1:\d+ \(expected web\.demo\.\S+\).*wrong version number/,
    );
  });
});
