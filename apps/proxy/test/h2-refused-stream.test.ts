// An endpoint that refuses a stream (REFUSED_STREAM: it did not process it, e.g. it is
// draining) has not seen the request, so the proxy sends it again, whatever the method:
// a gRPC call (a POST) caught by an endpoint's drain still succeeds. A stream reset for
// another reason is not replayed for a POST.
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_BUDGET } from '../src/balance/budget.ts';
import { ConcreteService } from '../src/balance/concrete.ts';
import type { ConnTarget, ProxyContext } from '../src/detect/handoff.ts';
import { ProxyMetrics } from '../src/metrics/registry.ts';
import { inboundStack } from '../src/stack/inbound.ts';
import { PolicyRef } from '../src/stack/plan-view.ts';
import { TcpConnector } from '../src/transport/connector.ts';
import { createProtocolServers, type ProtocolServers } from '../src/tunnel/index.ts';

/** How the endpoint treats the first stream it gets; the next ones are served. */
let firstStream: 'refuse' | 'reset' = 'refuse';
let streams = 0;
let upstream: http2.Http2Server;
let listener: net.Server;
let servers: ProtocolServers;
let port: number;

beforeAll(async () => {
  upstream = http2.createServer();
  upstream.on('stream', (stream) => {
    stream.on('error', () => {});
    streams++;
    if (streams === 1 && firstStream === 'refuse') {
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    if (streams === 1 && firstStream === 'reset') {
      stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
    stream.end('served');
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

beforeEach(() => {
  streams = 0;
});

/** A gRPC-style POST through the proxy: its status and body. */
async function post(): Promise<{ status: number; body: string }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  try {
    return await new Promise((resolve, reject) => {
      const req = session.request({
        ':method': 'POST',
        ':path': '/ratings.Ratings/Get',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
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
      req.end('request');
    });
  } finally {
    session.close();
  }
}

describe('HTTP/2 streams the endpoint did not process', () => {
  it('sends a POST again when the endpoint refused its stream', async () => {
    firstStream = 'refuse';
    expect(await post()).toEqual({ status: 200, body: 'served' });
    expect(streams).toBe(2);
  });

  it('does not send a POST again when the endpoint reset its stream for another reason', async () => {
    firstStream = 'reset';
    const r = await post();
    expect(r.status).toBe(200); // gRPC answers failures with trailers
    expect(r.body).not.toBe('served');
    expect(streams).toBe(1);
  });
});
