/**
 * The application protocol inside mTLS: HTTP/2 (prior knowledge, in a CONNECT tunnel)
 * and opaque TCP (a server-speaks-first protocol) between two meshed proxies, with a
 * recording relay showing that the wire carries only TLS.
 */
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { connectTunnel, readBytes } from '@weft/proxy/test/tunnel-client';
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
const LOAD = meshIdentity('load', 'demo');
let ctl: TestController;
const cleanup: (() => Promise<void>)[] = [];

/** A meshed server proxy in front of `appPort`, a relay to it, and a client proxy for `authority`. */
async function meshPair(appPort: number, authority: string) {
  const server = await startMeshedProxy({ controller: ctl, namespace: 'demo', workload: 'web', appPort });
  cleanup.push(() => server.stop());
  const relay = await startRelay(server.inboundPort);
  cleanup.push(relay.close);
  const client: MeshedProxy = await startMeshedProxy({
    controller: ctl,
    namespace: 'demo',
    workload: 'load',
    destinations: {
      [authority]: {
        endpoints: [
          {
            address: '127.0.0.1',
            port: relay.port,
            meshed: true,
            identity: WEB,
            namespace: 'demo',
            workload: 'web',
          },
        ],
      },
    },
  });
  cleanup.push(() => client.stop());
  await waitReady(server);
  await waitReady(client);
  return { server, client, relay };
}

beforeAll(async () => {
  ctl = await startTestController(3600_000);
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  await ctl?.close();
});

describe('protocols inside mTLS', () => {
  it('carries HTTP/2 streams', async () => {
    const app = http2.createServer();
    app.on('stream', (stream, headers) => {
      stream.respond({ ':status': 200 });
      stream.end(`h2:${headers[':path']}`);
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => app.close(() => r())));
    const authority = 'grpc.demo.svc.cluster.local:9090';
    const { client, server, relay } = await meshPair((app.address() as AddressInfo).port, authority);

    const tunnel = await connectTunnel(client.proxy.outbound.port, authority);
    expect(tunnel.status).toBe(200);
    const session = http2.connect(`http://${authority}`, { createConnection: () => tunnel.socket });
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const req = session.request({ ':path': path });
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (d: string) => {
          body += d;
        });
        req.on('end', () => resolve(body));
        req.on('error', reject);
        req.end();
      });
    tunnel.socket.resume();
    expect(await Promise.all([get('/a'), get('/b'), get('/c')])).toEqual(['h2:/a', 'h2:/b', 'h2:/c']);
    session.close();

    const up = relay.up();
    expect(up[0]).toBe(0x16);
    expect(up.includes('PRI * HTTP/2.0')).toBe(false);
    expect(relay.down().includes('h2:/a')).toBe(false);
    expect(
      await metricSum(client, 'response_total', ['direction="outbound"', 'tls="true"', `server_id="${WEB}"`]),
    ).toBe(3);
    // the server side counts the streams for the caller it authenticated
    expect(
      await metricSum(server, 'response_total', ['direction="inbound"', 'tls="true"', `client_id="${LOAD}"`]),
    ).toBe(3);
    expect(server.logs.join('\n')).not.toMatch(/refused/);
  });

  it('carries an opaque server-speaks-first protocol', async () => {
    // The app greets first, then echoes upper-cased.
    const app = net.createServer((s) => {
      s.write('HELLO FROM DB\n');
      s.on('data', (d) => s.write(d.toString().toUpperCase()));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => app.close(() => r())));
    const authority = 'db.demo.svc.cluster.local:5432';
    const { client, server, relay } = await meshPair((app.address() as AddressInfo).port, authority);

    const tunnel = await connectTunnel(client.proxy.outbound.port, authority);
    expect(tunnel.status).toBe(200);
    expect((await readBytes(tunnel.socket, 14)).toString()).toBe('HELLO FROM DB\n');
    tunnel.socket.write('select 1\n');
    expect((await readBytes(tunnel.socket, 9)).toString()).toBe('SELECT 1\n');
    tunnel.socket.destroy();
    expect(relay.up()[0]).toBe(0x16);
    expect(relay.up().includes('select 1')).toBe(false);
    expect(relay.down().includes('HELLO FROM DB')).toBe(false);
    // the server side counts the connection for the caller it authenticated
    expect(
      await metricSum(server, 'tcp_open_total', ['direction="inbound"', 'tls="true"', `client_id="${LOAD}"`]),
    ).toBe(1);
  });
});
