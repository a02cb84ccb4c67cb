// Draining the HTTP/2 server: `drain()` sends GOAWAY to every client connection, so the
// client opens no new stream there while the streams in flight still complete, and
// `activeConnections()` falls to zero once they have. Driven through the protocol
// servers with the proxy's real balancer (ConcreteService) and detection hand-off.
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_BUDGET } from '../src/balance/budget.ts';
import { ConcreteService } from '../src/balance/concrete.ts';
import type { ConnTarget, ProxyContext } from '../src/detect/handoff.ts';
import { ProxyMetrics } from '../src/metrics/registry.ts';
import { inboundStack } from '../src/stack/inbound.ts';
import { PolicyRef } from '../src/stack/plan-view.ts';
import { TcpConnector } from '../src/transport/connector.ts';
import { createProtocolServers, type ProtocolServers } from '../src/tunnel/index.ts';

let upstream: http2.Http2Server;
let listener: net.Server;
let servers: ProtocolServers;
let port: number;

beforeAll(async () => {
  upstream = http2.createServer();
  upstream.on('stream', (stream) => {
    stream.on('error', () => {});
    setTimeout(() => {
      stream.respond({ ':status': 200 });
      stream.end('finished');
    }, 300);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const app = (upstream.address() as AddressInfo).port;

  const metrics = new ProxyMetrics({ namespace: 'test', deployment: 'app', pod: 'app-1' });
  const concrete = new ConcreteService(
    `127.0.0.1:${app}`,
    (authority) => metrics.inboundApp(authority),
    DEFAULT_RETRY_BUDGET,
  );
  concrete.update([
    { address: '127.0.0.1', port: app, pod: 'app-1', workload: 'app', namespace: 'test', meshed: false },
  ]);
  servers = createProtocolServers(new TcpConnector());
  // Only what the HTTP/2 server reads of its listener's context.
  const ctx = { draining: false, stack: inboundStack(3000) } as ProxyContext;
  const target: ConnTarget = { ctx, authority: concrete.authority, concrete, policy: new PolicyRef() };
  listener = net.createServer((socket) => {
    socket.once('readable', () => {
      const head = socket.read() as Buffer | null;
      servers.serveH2(socket, head ?? Buffer.alloc(0), target);
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
});

afterAll(async () => {
  servers?.close();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

describe('HTTP/2 drain', () => {
  it('lets streams in flight finish after GOAWAY, and refuses new ones', async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = session.request({ ':path': '/slow' }, { endStream: true });
      let status = 0;
      let body = '';
      req.setEncoding('utf8');
      req.on('response', (h) => {
        status = Number(h[':status']);
      });
      req.on('data', (d: string) => {
        body += d;
      });
      req.on('end', () => resolve({ status, body }));
      req.on('error', reject);
    });
    // Wait until the proxy holds the connection, then drain.
    await expect.poll(() => servers.activeConnections()).toBe(1);
    servers.drain();
    await goaway;
    expect(() => session.request({ ':path': '/late' })).toThrow();
    expect(await inFlight).toEqual({ status: 200, body: 'finished' });
    await expect.poll(() => servers.activeConnections(), { timeout: 5_000 }).toBe(0);
    session.close();
  });
});
